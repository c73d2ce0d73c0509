/// <reference lib="webworker" />
/**
 * The benchmark's own worker in Chromium, with ORT set up as the app's worker sets it up:
 * - `variants`: the session-level before/after rows on the app's build (`onnxruntime-web/webgpu`,
 *   whose WASM is the asyncify build);
 * - `engine-pass`: the engine's batch pass on either WASM build, `asyncify` or `plain` (the
 *   `onnxruntime-web/wasm` bundle's), to compare the two;
 * - `op-profile`: the engine's batch pass with ORT's profiler on, summed by operator type.
 * Request `{ kind, build?, model, threads, texts, reps }`, answer `{ rows }` or `{ error }`.
 */
import asyncifyWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm?url';
import plainWasm from '../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm?url';
import { loadModelFiles } from '../../src/engine/load.ts';
import type { OrtModule } from '../../src/engine/session.ts';
import {
  measureEnginePass,
  measureVariants,
  type ProfileEvent,
  type VariantRow,
} from './variants.ts';

declare const self: DedicatedWorkerGlobalScope;

export interface BenchWorkerRequest {
  kind: 'variants' | 'engine-pass' | 'op-profile';
  build?: 'asyncify' | 'plain';
  model: string;
  threads: number;
  texts: string[];
  reps: number;
}

/**
 * ORT's WASM build prints its profile to the console (there is no file system to write it to), as
 * one JSON record per line; these are those lines, caught from the moment ORT is imported.
 */
const printed: string[] = [];

function catchPrinted(): void {
  const log = console.log.bind(console);
  console.log = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('"cat"')) printed.push(args[0]);
    else log(...args);
  };
}

/** The printed records, each `{...},` on its line. */
function printedEvents(): ProfileEvent[] {
  return printed.map((line) => JSON.parse(line.trim().replace(/,$/, '')) as ProfileEvent);
}

self.onmessage = async (e: MessageEvent<BenchWorkerRequest>) => {
  const { kind, build = 'asyncify', model, threads, texts, reps } = e.data;
  if (kind === 'op-profile') catchPrinted();
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
    const profile = {
      options: { enableProfiling: true },
      read: async (session: unknown) => {
        await (session as { endProfiling(): Promise<void> }).endProfiling();
        return printedEvents();
      },
    };
    const rows: VariantRow[] =
      kind === 'variants'
        ? await measureVariants(input)
        : [await measureEnginePass(input, kind === 'op-profile' ? profile : undefined)];
    self.postMessage({ rows });
  } catch (err) {
    self.postMessage({
      error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err),
    });
  }
};
