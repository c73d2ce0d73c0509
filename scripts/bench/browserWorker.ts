/// <reference lib="webworker" />
/**
 * The benchmark's own worker in Chromium, with ORT set up as the app's worker sets it up:
 * - `variants`: the session-level before/after rows on the app's build (`onnxruntime-web/webgpu`,
 *   whose WASM is the asyncify build);
 * - `engine-pass`: the engine's batch pass on either WASM build, `asyncify` or `plain` (the
 *   `onnxruntime-web/wasm` bundle's), to compare the two.
 * Request `{ kind, build?, model, threads, texts, reps }`, answer `{ rows }` or `{ error }`.
 */
import asyncifyWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm?url';
import { loadModelFiles } from '../../src/engine/load.ts';
import type { OrtModule } from '../../src/engine/session.ts';
import { measureEnginePass, measureVariants, type VariantRow } from './variants.ts';

declare const self: DedicatedWorkerGlobalScope;

export interface BenchWorkerRequest {
  kind: 'variants' | 'engine-pass';
  build?: 'asyncify' | 'plain';
  model: string;
  threads: number;
  texts: string[];
  reps: number;
}

self.onmessage = async (e: MessageEvent<BenchWorkerRequest>) => {
  const { kind, build = 'asyncify', model, threads, texts, reps } = e.data;
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
    const input = {
      ort,
      onnx: files.onnx,
      tokenizer: files.tokenizer,
      config: files.config,
      backend: 'wasm' as const,
      threads,
      texts,
      reps,
      log: (line: string) => console.log(line),
    };
    const rows: VariantRow[] =
      kind === 'variants' ? await measureVariants(input) : [await measureEnginePass(input)];
    self.postMessage({ rows });
  } catch (err) {
    self.postMessage({
      error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err),
    });
  }
};
