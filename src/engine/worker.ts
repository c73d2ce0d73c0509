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
import type { EngineErrorInfo, EngineEvent, EngineRequest, LoadOptions } from './protocol.ts';
import { chooseBackend, type OrtModule } from './session.ts';

declare const self: DedicatedWorkerGlobalScope;

// transformers.js points ORT at a CDN when it loads; the app serves the wasm itself.
ort.env.wasm.wasmPaths = { wasm: new URL(ortWasmUrl, self.location.href).href };
ort.env.wasm.proxy = false;

let engine: Engine | null = null;
/** Running batch requests, so a cancel message can stop one between its batches. */
const running = new Map<number, AbortController>();
/** Set once the WebGPU device is lost; every later failure in this worker is that loss. */
let deviceLost: string | null = null;
const OUT_OF_MEMORY_RE =
  /out of memory|\bOOM\b|failed to allocate|allocation failed|create buffer/i;

function post(event: EngineEvent, transfer: Transferable[] = []) {
  self.postMessage(event, transfer);
}

async function load(requestId: number, options: LoadOptions) {
  await engine?.release().catch(() => undefined);
  engine = null;
  const { backend, adapter } = await chooseBackend(options.backend, options.dtype);
  const cores = self.navigator.hardwareConcurrency || 1;
  const threads = self.crossOriginIsolated ? Math.max(1, options.threads ?? cores) : 1;
  ort.env.wasm.numThreads = threads;
  engine = await Engine.load(
    options,
    { ort: ort as unknown as OrtModule, backend, threads, adapter },
    (progress) => post({ status: 'progress', requestId, progress }),
    (stage) => post({ status: 'loading-stage', requestId, stage }),
  );
  if (backend === 'webgpu') engine.limitBatchBytes(await watchDevice());
  post({ status: 'ready', requestId, info: engine.info });
}

/**
 * Takes the GPU device ORT created for the session, watches for its loss, and returns its
 * largest storage binding, which bounds the batch size.
 */
async function watchDevice(): Promise<number> {
  const device = await ort.env.webgpu.device;
  void device.lost.then((info) => {
    deviceLost = info.message || info.reason || 'unknown reason';
    post({ status: 'device-lost', requestId: 0, message: deviceLost });
  });
  return device.limits.maxStorageBufferBindingSize;
}

/** Names the failures the page recovers from: a lost device, and memory running out. */
function classify(err: unknown): EngineErrorInfo {
  const info = toErrorInfo(err, 'run');
  if (deviceLost) {
    return { code: 'device-lost', message: `The GPU device was lost (${deviceLost}).` };
  }
  if (info.code === 'run' && OUT_OF_MEMORY_RE.test(info.message)) {
    return { code: 'out-of-memory', message: `The device ran out of memory (${info.message}).` };
  }
  return info;
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
    case 'attend': {
      const result = await requireEngine().attend(request.text);
      return post({ status: 'attended', requestId: request.requestId, result }, [
        result.attentions.buffer,
      ]);
    }
    case 'contribute': {
      const result = await requireEngine().contribute(request.text, request.head);
      return post({ status: 'contributed', requestId: request.requestId, result }, [
        result.tokens.buffer,
        result.special.buffer,
      ]);
    }
    case 'embed': {
      const controller = new AbortController();
      const { requestId } = request;
      running.set(requestId, controller);
      const result = await requireEngine()
        .embed(
          request.texts,
          request.pooling,
          (done, total) => post({ status: 'batch-progress', requestId, done, total }),
          controller.signal,
          request.maxBatch,
          request.tokens,
        )
        .finally(() => running.delete(requestId));
      const buffers = Object.values(result.pooled).map((a) => a.buffer);
      if (result.tokens) buffers.push(result.tokens.data.buffer, result.tokens.offsets.buffer);
      return post({ status: 'embedded', requestId, result }, buffers);
    }
    case 'cancel':
      running.get(request.requestId)?.abort();
      return;
    case 'simulate-device-loss': {
      const device = await ort.env.webgpu.device;
      device.destroy();
      const info = await device.lost;
      return post({
        status: 'device-lost',
        requestId: request.requestId,
        message: info.message || info.reason,
      });
    }
  }
}

// In a production build ORT's WASM threads start from this same bundled file (their worker name
// begins with "em-pthread"); they must keep ORT's own message handler, not this loop.
if (!self.name.startsWith('em-pthread')) {
  self.onmessage = (e: MessageEvent<EngineRequest>) => {
    const request = e.data;
    handle(request).catch((err: unknown) => {
      post({ status: 'error', requestId: request.requestId, error: classify(err) });
    });
  };
}
