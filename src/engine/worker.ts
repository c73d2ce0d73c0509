/// <reference lib="webworker" />
/**
 * The inference worker: the only owner of the tokenizer and the session. A message loop, nothing
 * else. After it reports an error the page replaces it, because transformers.js and ORT keep
 * failed promises and sessions around.
 */
import * as ort from 'onnxruntime-web/webgpu';
// The wasm binary the `webgpu` bundle loads, emitted by Vite as one of the app's own assets.
import ortWasmUrl from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import { Engine } from './engine.ts';
import { EngineError, toErrorInfo } from './errors.ts';
import type { EngineEvent, EngineRequest, LoadOptions } from './protocol.ts';
import { chooseBackend, type OrtModule } from './session.ts';

declare const self: DedicatedWorkerGlobalScope;

// transformers.js points ORT at a CDN when it loads; the app serves the wasm itself.
ort.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, self.location.href).href };
ort.env.wasm.proxy = false;

let engine: Engine | null = null;
const cancelled = new Set<number>();

function post(event: EngineEvent, transfer: Transferable[] = []) {
  self.postMessage(event, transfer);
}

async function load(requestId: number, options: LoadOptions) {
  await engine?.release().catch(() => undefined);
  engine = null;
  const { backend, adapter } = await chooseBackend(options.backend);
  const cores = self.navigator.hardwareConcurrency || 1;
  const threads = self.crossOriginIsolated ? Math.max(1, options.threads ?? cores) : 1;
  ort.env.wasm.numThreads = threads;
  engine = await Engine.load(
    options,
    { ort: ort as unknown as OrtModule, backend, threads, adapter },
    (progress) => post({ status: 'progress', requestId, progress }),
    (stage) => post({ status: 'loading-stage', requestId, stage }),
  );
  post({ status: 'ready', requestId, info: engine.info });
}

function requireEngine(): Engine {
  if (!engine) throw new EngineError('not-loaded', 'No model is loaded yet. Load a model first.');
  return engine;
}

async function handle(request: EngineRequest) {
  switch (request.type) {
    case 'load':
      return load(request.requestId, request.options);
    case 'encode': {
      const result = await requireEngine().encode(request.text);
      return post({ status: 'encoded', requestId: request.requestId, result }, [
        result.states.buffer,
      ]);
    }
    case 'embed': {
      const controller = new AbortController();
      const { requestId } = request;
      const result = await requireEngine().embed(
        request.texts,
        request.pooling,
        (done, total) => {
          if (cancelled.has(requestId)) controller.abort();
          post({ status: 'batch-progress', requestId, done, total });
        },
        controller.signal,
      );
      cancelled.delete(requestId);
      const buffers = Object.values(result.pooled).map((a) => a.buffer);
      return post({ status: 'embedded', requestId, result }, buffers);
    }
    case 'cancel':
      cancelled.add(request.requestId);
      return;
  }
}

// In a production build ORT's WASM threads start from this same bundled file (their worker name
// begins with "em-pthread"); they must keep ORT's own message handler, not this loop.
if (!self.name.startsWith('em-pthread')) {
  self.onmessage = (e: MessageEvent<EngineRequest>) => {
    const request = e.data;
    handle(request).catch((err: unknown) => {
      post({ status: 'error', requestId: request.requestId, error: toErrorInfo(err, 'run') });
    });
  };
}
