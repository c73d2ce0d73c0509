/**
 * Backend choice (WebGPU, then WASM; CPU in Node) and session creation on a rewritten graph.
 * onnxruntime is injected so the same code runs on onnxruntime-web and onnxruntime-node.
 */
import { DTYPE_INFO } from './dtypes.ts';
import { EngineError } from './errors.ts';
import type { Backend, BackendChoice, Dtype, ModelInfo } from './protocol.ts';

/** The slice of an onnxruntime tensor the engine reads. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
  dispose?(): void;
}

/** The slice of an onnxruntime session the engine uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(
    feeds: Record<string, OrtTensor>,
    fetches?: readonly string[],
  ): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** What the engine needs of an onnxruntime module (onnxruntime-web or onnxruntime-node). */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
  Tensor: new (type: 'int64', data: BigInt64Array, dims: readonly number[]) => OrtTensor;
  env: { wasm?: { numThreads?: number; wasmPaths?: unknown; proxy?: boolean } };
}

export type AdapterInfo = NonNullable<ModelInfo['adapter']>;

/** Asks the browser for a WebGPU adapter; null where there is none. */
export async function probeWebGpu(): Promise<AdapterInfo | null> {
  const gpu = typeof navigator === 'undefined' ? undefined : navigator.gpu;
  if (!gpu) return null;
  const adapter = await gpu
    .requestAdapter({ powerPreference: 'high-performance' })
    .catch(() => null);
  if (!adapter) return null;
  const info = adapter.info;
  const description =
    [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') ||
    'unknown adapter';
  const isSoftwareAdapter =
    /swiftshader|llvmpipe|software|basic render/i.test(description) ||
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { description, isSoftwareAdapter, hasShaderF16: adapter.features.has('shader-f16') };
}

/**
 * What `auto` runs on in this browser, for choosing a dtype before the model loads: WebGPU where an
 * adapter is offered, WASM otherwise (where the default dtype is q8, see dtypes.ts).
 */
export async function autoBackend(): Promise<'webgpu' | 'wasm'> {
  return (await probeWebGpu()) ? 'webgpu' : 'wasm';
}

/**
 * Resolves the user's backend and dtype against what the browser offers (engine/dtypes.ts says
 * where each dtype runs): 8-bit files run on WASM (ORT's WebGPU EP would quietly run their integer
 * ops on the CPU), fp16 files need WebGPU with shader-f16.
 */
export async function chooseBackend(
  choice: BackendChoice,
  dtype: Dtype = 'fp32',
): Promise<{ backend: Exclude<Backend, 'cpu'>; adapter?: AdapterInfo }> {
  const { backends } = DTYPE_INFO[dtype];
  const runsOn = (b: 'webgpu' | 'wasm') => backends.includes(b);
  if (!runsOn('webgpu')) {
    if (choice === 'webgpu') {
      throw new EngineError(
        'session',
        `${dtype} models run on WASM: on WebGPU their quantised operators fall back to the CPU. Choose WASM for ${dtype}, or fp32/fp16 for WebGPU.`,
      );
    }
    return { backend: 'wasm' };
  }
  if (!runsOn('wasm') && choice === 'wasm') {
    throw new EngineError(
      'session',
      `${dtype} models run on WebGPU only. Choose fp32 or q8 for WASM.`,
    );
  }
  if (choice === 'wasm') return { backend: 'wasm' };
  const adapter = await probeWebGpu();
  const needsF16 = dtype === 'fp16' || dtype === 'q4f16';
  if (adapter && needsF16 && !adapter.hasShaderF16) {
    throw new EngineError(
      'session',
      `This GPU (${adapter.description}) has no shader-f16 support, which ${dtype} models need. Choose fp32.`,
    );
  }
  if (adapter) return { backend: 'webgpu', adapter };
  if (choice === 'webgpu' || !runsOn('wasm')) {
    throw new EngineError(
      'no-webgpu',
      `This browser offers no WebGPU adapter (no navigator.gpu, or no usable GPU)${runsOn('wasm') ? '' : `, which ${dtype} models need`}. Choose WASM${runsOn('wasm') ? '' : ' with fp32 or q8'}, or open the page in a browser with WebGPU enabled.`,
    );
  }
  return { backend: 'wasm' };
}

/** Creates a session on exactly one execution provider, so a silent CPU fallback cannot hide. */
export async function createSession(
  ort: OrtModule,
  model: Uint8Array,
  backend: Backend,
  threads: number,
  /** More session options (the benchmark turns ORT's profiler on with them). */
  extra: object = {},
): Promise<OrtSession> {
  const options =
    backend === 'cpu'
      ? { executionProviders: ['cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all' }
      : { executionProviders: [backend], graphOptimizationLevel: 'all' };
  try {
    return await ort.InferenceSession.create(model, { ...options, ...extra });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new EngineError(
      'session',
      `The ${backend.toUpperCase()} backend could not start this model (${why}). Try the other backend or dtype, or reload the model.`,
    );
  }
}
