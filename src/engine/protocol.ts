/**
 * Typed messages between the page and the inference worker: requests discriminated on `type`,
 * events on `status`. Both sides import this file, so a misspelt message is a compile error.
 */

/** Which backend the user asked for; `auto` probes WebGPU and falls back to WASM. */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';
/** The backend that actually runs (`cpu` is onnxruntime-node). */
export type Backend = 'webgpu' | 'wasm' | 'cpu';
import type { RidgeHead } from '../analysis/head.ts';
import type { Dtype } from './dtypes.ts';

export type { Dtype };
/** Pooled vectors computed inside the graph for batch work. */
export type DevicePooling = 'cls' | 'mean' | 'max';
/**
 * What batch work can ask for: the in-graph poolings, SBERT-WK (computed in the worker from each
 * batch's token states, never sent to the page), and a trained pooler's output.
 */
export type BatchPooling = DevicePooling | 'wk' | 'pooler';

/** Where model files come from. */
export type ModelSource =
  /** A Hugging Face Hub model id, fetched from `host` (default: the Hub) and cached by the browser. */
  | { kind: 'hub'; id: string; revision?: string; host?: string }
  /** A folder served by the app itself, e.g. `/models/roberta-tiny`. */
  | { kind: 'served'; path: string }
  /** Files the user picked from disk, keyed by path relative to the model folder. */
  | { kind: 'files'; name: string; files: Record<string, Blob> };

export interface LoadOptions {
  source: ModelSource;
  backend: BackendChoice;
  dtype: Dtype;
  /** WASM / CPU threads; defaults to all cores where threads are possible. */
  threads?: number;
}

/** What the engine reports once a model is ready. */
export interface ModelInfo {
  /** Hub id, served path or picked folder name. */
  modelId: string;
  modelType: string;
  backend: Backend;
  dtype: Dtype;
  threads: number;
  /** WebGPU adapter description; `isSoftwareAdapter` marks figures that are not real GPU speed. */
  adapter?: { description: string; isSoftwareAdapter: boolean; hasShaderF16: boolean };
  /** Hidden states per text: embeddings + each encoder layer (13 for roberta-base). */
  layers: number;
  hidden: number;
  /** Longest token sequence the model accepts, special tokens included. */
  maxTokens: number;
  /** Outputs of the original export kept beside the hidden states (e.g. `logits`). */
  extraOutputs: string[];
  /** Sequence-classification export with one label: its `logits` are the readability score. */
  isRegression: boolean;
  /** True only where the pooler was trained (BERT); RoBERTa's pooler is untrained. */
  hasTrainedPooler: boolean;
  prunedNodes: number;
  loadMs: number;
  warmupMs: number;
}

/** Hidden states of one text. */
export interface EncodedText {
  tokens: string[];
  ids: number[];
  /** Set when the text was longer than the model accepts and was cut. */
  truncation: { keptTokens: number; totalTokens: number } | null;
  layers: number;
  hidden: number;
  /** [layers, tokens, hidden] */
  states: Float32Array;
}

/** Every layer's attention probabilities for one text (the single-text views only). */
export interface AttendedText {
  tokens: string[];
  ids: number[];
  truncation: { keptTokens: number; totalTokens: number } | null;
  /** Encoder layers (the embeddings have no attention). */
  layers: number;
  heads: number;
  /** [layers, heads, tokens, tokens]: row q of a head is query token q's weights over the keys. */
  attentions: Float32Array;
}

/** A ridge head's score of one text split over its tokens (see engine/contribute.ts). */
export interface ContributedText {
  /** The whole text's token ids, special tokens included (every window's tokens). */
  ids: number[];
  /** The tokens grouped into words (special tokens belong to none). */
  words: { text: string; first: number; last: number }[];
  /** 1 where the token is a special token. */
  special: Uint8Array;
  /** The score's part that no token carries. */
  intercept: number;
  /** One term per token; intercept + their sum is the head's score of the text. */
  tokens: Float64Array;
  /** Windows the text was read in (1 when it fits the model). */
  windows: number;
}

/** Last-layer token states asked of a batch run (Conv1D pooling reads them). */
export interface TokenRequest {
  /** [dim, hidden] row-major: each token state x comes back as P·x; null: raw (dim = hidden). */
  projection: Float32Array | null;
  dim: number;
}

/**
 * Each text's last-layer token states, cut as the single-text views cut it (a text longer than
 * the model keeps its head and closing special token: its first window).
 */
export interface TokenStates {
  dim: number;
  /** [count + 1]: text i's tokens are rows offsets[i] .. offsets[i + 1] − 1 of `data`. */
  offsets: Int32Array;
  data: Float32Array; // [offsets[count], dim]
}

/** Pooled vectors of a batch of texts. */
export interface EmbeddedBatch {
  count: number;
  layers: number;
  hidden: number;
  /**
   * Each `[count, layers, hidden]`, rows in input order; `wk` holds zeros at layers where WK
   * cannot sit (see analysis/pooling layerSpan); `pooler` is `[count, hidden]`.
   */
  pooled: Partial<Record<BatchPooling, Float32Array>>;
  /** Regression logits `[count]` of a fine-tuned export. */
  scores?: Float32Array;
  /** Tokens per text, special tokens included, before any windowing. */
  tokenCounts: Int32Array;
  /**
   * Windows per text: 1 when it fits the model; more when it was longer and was read in
   * overlapping windows, combined as a mean weighted by window length (max pooling: the max).
   */
  windows: Uint16Array;
  /** Last-layer token states per text; present exactly when the request asked for them. */
  tokens?: TokenStates;
}

export type EngineErrorCode =
  | 'missing-file'
  | 'not-json'
  | 'bad-json'
  | 'bad-onnx'
  | 'not-encoder'
  | 'no-attention'
  /** A head whose score has no exact split over tokens on this model (the worker stays). */
  | 'no-split'
  | 'no-webgpu'
  | 'network'
  | 'session'
  | 'run'
  | 'cancelled'
  | 'not-loaded'
  | 'device-lost'
  | 'out-of-memory';

/** An error as it crosses the worker boundary: a code and a sentence a person can act on. */
export interface EngineErrorInfo {
  code: EngineErrorCode;
  message: string;
}

export type EngineRequest =
  | { type: 'load'; requestId: number; options: LoadOptions }
  | { type: 'encode'; requestId: number; text: string }
  /** Attention probabilities of one text, on a second session started on first use. */
  | { type: 'attend'; requestId: number; text: string }
  /** A ridge head's score of one text split exactly over its tokens and words. */
  | { type: 'contribute'; requestId: number; text: string; head: RidgeHead }
  | {
      type: 'embed';
      requestId: number;
      texts: string[];
      pooling: BatchPooling[];
      /** Texts per batch; lowered by the page after an out-of-memory error. */
      maxBatch?: number;
      /** Also return each text's last-layer token states, raw or projected. */
      tokens?: TokenRequest;
    }
  | { type: 'cancel'; requestId: number }
  /** Destroys the WebGPU device, as a driver reset would: the fault path's real trigger in tests. */
  | { type: 'simulate-device-loss'; requestId: number };

/** Byte progress of one file while a model downloads. */
export interface FileProgress {
  file: string;
  loaded: number;
  /** 0 when the server sent no length. */
  total: number;
}

export type EngineEvent =
  | { status: 'progress'; requestId: number; progress: FileProgress }
  | {
      status: 'loading-stage';
      requestId: number;
      stage: 'download' | 'rewrite' | 'session' | 'warmup';
    }
  | { status: 'ready'; requestId: number; info: ModelInfo }
  | { status: 'encoded'; requestId: number; result: EncodedText }
  | { status: 'attended'; requestId: number; result: AttendedText }
  | { status: 'contributed'; requestId: number; result: ContributedText }
  | { status: 'batch-progress'; requestId: number; done: number; total: number }
  | { status: 'embedded'; requestId: number; result: EmbeddedBatch }
  | { status: 'error'; requestId: number; error: EngineErrorInfo }
  /** The WebGPU device went away; sent unasked (requestId 0) or in answer to a simulated loss. */
  | { status: 'device-lost'; requestId: number; message: string };
