/**
 * Tokenise, bucket by length, pad per batch, run, and hand back typed arrays.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { EngineError } from './errors.ts';
import type { OrtModule, OrtSession, OrtTensor } from './session.ts';

/** One text as token ids, cut to the model's limit if needed. */
export interface Tokenized {
  ids: number[];
  /** Token count before any cut. */
  totalTokens: number;
}

/** Encodes a text with special tokens; longer texts keep their head and the closing special token. */
export function tokenize(
  tokenizer: PreTrainedTokenizer,
  text: string,
  maxTokens: number,
): Tokenized {
  const ids = tokenizer.encode(text);
  if (ids.length <= maxTokens) return { ids, totalTokens: ids.length };
  return { ids: [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]], totalTokens: ids.length };
}

/** One window of a token sequence: its ids and where each sits in the whole sequence. */
export interface TokenWindow {
  ids: number[];
  /** Index in the whole sequence of each of the window's tokens. */
  positions: Int32Array;
}

/**
 * Splits a sequence longer than the model into overlapping windows that each fit, each wrapped in
 * the sequence's own opening and closing special tokens. A sequence that fits is one window.
 * Consecutive windows share `overlap` tokens so no token is read without context on one side.
 */
export function tokenWindows(
  ids: readonly number[],
  maxTokens: number,
  overlap: number,
): TokenWindow[] {
  if (ids.length <= maxTokens)
    return [{ ids: ids.slice(), positions: Int32Array.from(ids, (_, i) => i) }];
  const open = ids[0];
  const close = ids[ids.length - 1];
  const body = ids.slice(1, -1);
  const span = maxTokens - 2;
  const stride = Math.max(1, span - Math.min(overlap, span - 1));
  const windows: TokenWindow[] = [];
  for (let start = 0; ; start += stride) {
    const end = Math.min(start + span, body.length);
    // The last window ends at the sequence's end, keeping its full width.
    const from = end === body.length ? Math.max(0, end - span) : start;
    const positions = new Int32Array(end - from + 2);
    for (let j = 0; j < end - from; j++) positions[j + 1] = from + j + 1;
    positions[positions.length - 1] = ids.length - 1;
    windows.push({ ids: [open, ...body.slice(from, end), close], positions });
    if (end === body.length) break;
  }
  return windows;
}

/** The ids of `tokenWindows`' windows. */
export function windowIds(ids: readonly number[], maxTokens: number, overlap: number): number[][] {
  return tokenWindows(ids, maxTokens, overlap).map((w) => w.ids);
}

/**
 * Groups text indices into batches of similar length, so padding is per batch, not to the
 * longest text of the whole set. Each batch holds at most `maxBatch` texts and `maxTokens`
 * padded tokens.
 */
export function planBatches(
  lengths: readonly number[],
  maxBatch: number,
  maxTokens: number,
): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  for (const i of order) {
    // Sorted ascending, so the newcomer is the longest of its batch.
    const padded = (current.length + 1) * lengths[i];
    if (current.length && (current.length >= maxBatch || padded > maxTokens)) {
      batches.push(current);
      current = [];
    }
    current.push(i);
  }
  if (current.length) batches.push(current);
  return batches;
}

/** Reads a float output as Float32Array, widening float16. */
export function toFloat32(t: OrtTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.type === 'float16') {
    const src = t.data as ArrayLike<number>;
    const out = new Float32Array(src.length);
    if (src instanceof Uint16Array)
      for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
    else for (let i = 0; i < src.length; i++) out[i] = src[i];
    return out;
  }
  throw new EngineError('run', `The model returned ${t.type} where float was expected.`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Pads a batch and runs the session, fetching only `fetches`. */
export async function runBatch(
  ort: OrtModule,
  session: OrtSession,
  batch: readonly Tokenized[],
  padId: number,
  fetches: readonly string[],
): Promise<{ seqLen: number; outputs: Record<string, OrtTensor> }> {
  const seqLen = Math.max(...batch.map((t) => t.ids.length));
  const n = batch.length;
  const ids = new BigInt64Array(n * seqLen).fill(BigInt(padId));
  const mask = new BigInt64Array(n * seqLen);
  batch.forEach((t, b) => {
    for (let j = 0; j < t.ids.length; j++) {
      ids[b * seqLen + j] = BigInt(t.ids[j]);
      mask[b * seqLen + j] = 1n;
    }
  });
  const dims = [n, seqLen];
  const feeds: Record<string, OrtTensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', ids, dims);
    else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, dims);
    else if (name === 'token_type_ids')
      feeds[name] = new ort.Tensor('int64', new BigInt64Array(n * seqLen), dims);
    else
      throw new EngineError(
        'not-encoder',
        `The model asks for an input the engine does not know: "${name}".`,
      );
  }
  try {
    return { seqLen, outputs: await session.run(feeds, fetches) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new EngineError(
      'run',
      `Running the model failed (${why}). The engine will restart; try again.`,
    );
  }
}

/**
 * One text's own tokens out of a padded batch's stacked states:
 * `[layers, batch, seqLen, hidden]` → `[layers, tokens, hidden]`.
 */
export function textStates(
  all: Float32Array,
  layers: number,
  batch: number,
  seqLen: number,
  hidden: number,
  b: number,
  tokens: number,
): Float32Array {
  const out = new Float32Array(layers * tokens * hidden);
  for (let l = 0; l < layers; l++) {
    const from = (l * batch + b) * seqLen * hidden;
    out.set(all.subarray(from, from + tokens * hidden), l * tokens * hidden);
  }
  return out;
}
