/**
 * Reader for the real-stack fixtures in tests/fixtures/hf: tiny model folders made by the
 * Hugging Face stack itself (tokenizers, transformers, torch.onnx, onnxruntime.quantization) by
 * scripts/real-stack/generate.py, each with PyTorch's and onnxruntime's reference outputs in
 * reference.json + reference.bin (float32 little-endian; every tensor is a slice of it).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Absolute path of tests/fixtures/hf. */
export const REAL_STACK_DIR = join(import.meta.dirname, '..', 'fixtures', 'hf');

/** transformers.js's dtype names, as the folders use them. */
export type RealStackDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';

/** One tokenized batch, exactly as the saved tokenizer produced it (padding="longest"). */
export interface RealStackBatch {
  name: 'short' | 'padded' | 'long';
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  /** Only for models whose ONNX graph takes token_type_ids. */
  token_type_ids?: number[][];
}

/** Where a tensor lives in reference.bin: an offset in float32 elements and its shape. */
export interface RealStackTensorRef {
  offset: number;
  dims: number[];
}

/** reference.json as the generator writes it. */
export interface RealStackReferenceJson {
  generator: string;
  versions: Record<string, string>;
  name: string;
  model_type: string;
  architecture: string;
  task: 'fill-mask' | 'feature-extraction' | 'regression';
  exporter: 'torchscript' | 'dynamo';
  opset: number;
  layers: number;
  hidden: number;
  heads: number;
  /** The tokenizer's model_max_length, the truncation length of the "long" batch. */
  max_tokens: number;
  /** The ONNX graph's inputs, in order. */
  inputs: string[];
  /** The ONNX graph's declared output: `last_hidden_state` or `logits`. */
  output: string;
  dtypes: Partial<Record<RealStackDtype, { file: string; bytes: number }>>;
  batches: RealStackBatch[];
  /**
   * `torch/<batch>/hidden_states` `[L+1, B, T, H]`, `torch/<batch>/attentions`
   * `[L, B, heads, T, T]`, `ort/<dtype>/<batch>/hidden_states` `[L+1, B, T, H]`, and for
   * regression `torch|ort/.../logits` `[B, 1]`.
   */
  tensors: Record<string, RealStackTensorRef>;
  /** Per dtype, the graph tensors found to hold the hidden states, embeddings first. */
  hidden_state_tensors: Partial<Record<RealStackDtype, string[]>>;
  /** Per dtype, max |difference| over real (unpadded) tokens, for setting tolerances. */
  deviations: Partial<Record<RealStackDtype, Record<string, number>>>;
  notes: string;
}

/** A float32 tensor with its shape. */
export interface RealStackTensor {
  data: Float32Array;
  dims: number[];
}

/** A parsed reference with its folder and an accessor over reference.bin. */
export interface RealStackReference extends RealStackReferenceJson {
  /** Absolute path of the model folder. */
  dir: string;
  /** The named tensor (a copy-free view into reference.bin); throws for an unknown key. */
  tensor(key: string): RealStackTensor;
}

/** Names of the folders in tests/fixtures/hf that have a reference.json, sorted. */
export function listRealStackFolders(): string[] {
  if (!existsSync(REAL_STACK_DIR)) return [];
  return readdirSync(REAL_STACK_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(REAL_STACK_DIR, e.name, 'reference.json')))
    .map((e) => e.name)
    .sort();
}

/** Reads one folder's reference.json and reference.bin. */
export function readRealStackReference(name: string): RealStackReference {
  const dir = join(REAL_STACK_DIR, name);
  const json = JSON.parse(
    readFileSync(join(dir, 'reference.json'), 'utf8'),
  ) as RealStackReferenceJson;
  const bytes = readFileSync(join(dir, 'reference.bin'));
  if (bytes.byteLength % 4 !== 0) throw new Error(`${name}: reference.bin is not float32`);
  // Copy into an aligned buffer: a Buffer may sit at any offset in Node's pool.
  const all = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(all.buffer).set(bytes);
  return {
    ...json,
    dir,
    tensor(key: string): RealStackTensor {
      const ref = json.tensors[key];
      if (!ref) throw new Error(`${name}: no tensor ${key}`);
      const size = ref.dims.reduce((a, b) => a * b, 1);
      if (ref.offset < 0 || ref.offset + size > all.length) {
        throw new Error(`${name}: tensor ${key} runs past reference.bin`);
      }
      return { data: all.subarray(ref.offset, ref.offset + size), dims: [...ref.dims] };
    },
  };
}
