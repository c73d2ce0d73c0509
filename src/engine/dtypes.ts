/**
 * The one list of weight formats: each dtype, the file transformers.js's conversion names it by,
 * and where it can run. Imports nothing, so the page, the CLI and head validation share it.
 */

/** Every dtype a transformers.js model folder can hold, in the order the picker offers them. */
export const DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export type Dtype = (typeof DTYPES)[number];

/** Where a dtype's operators have kernels: WebGPU, WASM, and onnxruntime-node's CPU provider. */
export type DtypeBackend = 'webgpu' | 'wasm' | 'cpu';

export interface DtypeInfo {
  /** The ONNX file in the folder, as transformers.js's conversion scripts write it. */
  file: string;
  /** One line for the picker. */
  label: string;
  /** Backends that run it: int8 ops have no WebGPU kernels, fp16 none on WASM. */
  backends: readonly DtypeBackend[];
}

export const DTYPE_INFO: Record<Dtype, DtypeInfo> = {
  fp32: { file: 'onnx/model.onnx', label: 'fp32', backends: ['webgpu', 'wasm', 'cpu'] },
  fp16: {
    file: 'onnx/model_fp16.onnx',
    label: 'fp16 (WebGPU with shader-f16)',
    backends: ['webgpu', 'cpu'],
  },
  q8: { file: 'onnx/model_quantized.onnx', label: 'q8 (WASM)', backends: ['wasm', 'cpu'] },
  int8: { file: 'onnx/model_int8.onnx', label: 'int8 (WASM)', backends: ['wasm', 'cpu'] },
  uint8: { file: 'onnx/model_uint8.onnx', label: 'uint8 (WASM)', backends: ['wasm', 'cpu'] },
  q4: { file: 'onnx/model_q4.onnx', label: 'q4', backends: ['webgpu', 'wasm', 'cpu'] },
  q4f16: {
    file: 'onnx/model_q4f16.onnx',
    label: 'q4f16 (WebGPU with shader-f16)',
    backends: ['webgpu'],
  },
  bnb4: { file: 'onnx/model_bnb4.onnx', label: 'bnb4', backends: ['wasm', 'cpu'] },
};

/** Whether a string names a dtype. */
export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** The dtypes whose files a folder's file list holds, in DTYPES order. */
export function dtypesIn(files: Iterable<string>): Dtype[] {
  const have = new Set(files);
  return DTYPES.filter((d) => have.has(DTYPE_INFO[d].file));
}

/**
 * The dtype a backend loads when the user names none, given the dtypes the folder holds (null
 * where it cannot be listed): q8 on WASM where the folder has it (on WASM it ran faster than fp32,
 * with every layer's features within cosine 0.999 of fp32: BENCHMARKS.md, "Dtypes"), fp32 on
 * WebGPU. Callers resolve `auto` first (session.ts autoBackend); unresolved, it gets fp32, which
 * runs on both. A folder without
 * that file gets the first dtype it holds that runs on the backend.
 */
export function defaultDtype(
  backend: 'auto' | 'webgpu' | 'wasm',
  held: readonly Dtype[] | null,
): Dtype {
  const preferred: Dtype = backend === 'wasm' && held?.includes('q8') ? 'q8' : 'fp32';
  if (!held?.length || held.includes(preferred)) return preferred;
  return (
    held.find((d) => backend === 'auto' || DTYPE_INFO[d].backends.includes(backend)) ?? held[0]
  );
}
