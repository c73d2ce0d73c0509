/// <reference lib="webworker" />
/**
 * The WASM-build comparison's worker: the engine's batch pass on one of onnxruntime-web's two
 * SIMD-threaded WASM builds. `asyncify` is the build the app serves (the `onnxruntime-web/webgpu`
 * bundle needs it); `plain` is the one the `onnxruntime-web/wasm` bundle uses. Request
 * `{ build, model, threads, texts, reps }`, answer `{ row }` or `{ error }`.
 */
import asyncifyWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm?url';
import { loadModelFiles } from '../../src/engine/load.ts';
import type { OrtModule } from '../../src/engine/session.ts';
import { measureEnginePass } from './variants.ts';

declare const self: DedicatedWorkerGlobalScope;

type Request = {
  build: 'asyncify' | 'plain';
  model: string;
  threads: number;
  texts: string[];
  reps: number;
};

self.onmessage = async (e: MessageEvent<Request>) => {
  const { build, model, threads, texts, reps } = e.data;
  try {
    const ort = (build === 'plain'
      ? await import('onnxruntime-web/wasm')
      : await import('onnxruntime-web/webgpu')) as unknown as OrtModule & {
      env: { wasm: Record<string, unknown> };
    };
    const wasm = build === 'plain' ? plainWasm : asyncifyWasm;
    ort.env.wasm.wasmPaths = { wasm: new URL(wasm, self.location.href).href };
    ort.env.wasm.proxy = false;
    ort.env.wasm.numThreads = threads;
    const files = await loadModelFiles({ kind: 'served', path: model }, 'fp32', () => {});
    const row = await measureEnginePass({
      ort,
      onnx: files.onnx,
      tokenizer: files.tokenizer,
      config: files.config,
      backend: 'wasm',
      threads,
      texts,
      reps,
    });
    self.postMessage({ row });
  } catch (err) {
    self.postMessage({
      error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err),
    });
  }
};
