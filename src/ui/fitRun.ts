/**
 * Features for fitting, without React: every layer's CLS, mean, max and WK vector for each text,
 * extracted once and cached in IndexedDB by model and text hash, then the sweep's cells.
 */
import { projectTokens, tokenDirections, type RaggedTokenInput } from '../analysis/learned.ts';
import {
  PARAMETER_FREE_STRATEGIES,
  poolOptionsFor,
  validLayers,
  type ParameterFreeStrategy,
  type PoolOptions,
} from '../analysis/pooling.ts';
import { hashText } from '../data/hash.ts';
import { getFeatures, putFeatures, type Store } from '../data/store.ts';
import type { BatchPooling, EmbeddedBatch, ModelInfo } from '../engine/protocol.ts';
import { chunksOf, type EmbedFn } from './batchRun.ts';
import type { PooledVectors } from './scoring.ts';

/** The poolings cached per text; every parameter-free strategy is built from these. */
export const FIT_POOLINGS = ['cls', 'mean', 'max', 'wk'] as const satisfies BatchPooling[];

/** Parameter-free strategies the sweep fits (the pooler only where it was trained: not here). */
export const SWEEP_STRATEGIES = PARAMETER_FREE_STRATEGIES;

/** One (strategy, layer) cell of the sweep. */
export interface SweepCellId {
  strategy: ParameterFreeStrategy;
  layer: number;
}

/** Every cell the sweep fits for a model with `layers` hidden states, and the options used. */
export function sweepPlan(layers: number): { cells: SweepCellId[]; poolOptions: PoolOptions } {
  const poolOptions = poolOptionsFor(layers);
  const cells = SWEEP_STRATEGIES.flatMap((strategy) =>
    validLayers(strategy, layers, poolOptions).map((layer) => ({ strategy, layer })),
  );
  return { cells, poolOptions };
}

/**
 * A Float32Array on shared memory where the page may share it (cross-origin isolated), so every
 * sweep worker reads the same feature table instead of a copy each; a plain one elsewhere.
 */
export function sharedFloat32(length: number): Float32Array {
  return globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function'
    ? new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT))
    : new Float32Array(length);
}

/** How far extraction has got; `cached` texts came from the store without running the model. */
export interface ExtractProgress {
  done: number;
  total: number;
  cached: number;
}

export interface ExtractArgs {
  texts: readonly string[];
  info: ModelInfo;
  db: Store | null;
  embed: EmbedFn;
  chunkRows?: number;
  /** Stops extraction within one engine batch; what was extracted before stays cached. */
  signal?: AbortSignal;
  onProgress?: (p: ExtractProgress) => void;
}

/** Every text's pooled vectors `[count, layers, hidden]`, from the cache or the model; null if cancelled. */
export async function extractFeatures(args: ExtractArgs): Promise<PooledVectors | null> {
  const { texts, info, db, signal } = args;
  const { layers, hidden } = info;
  const row = layers * hidden;
  const count = texts.length;
  const pooled = Object.fromEntries(
    FIT_POOLINGS.map((p) => [p, sharedFloat32(count * row)]),
  ) as Record<(typeof FIT_POOLINGS)[number], Float32Array>;
  const keyOf = (textHash: string) => ({ modelId: info.modelId, dtype: info.dtype, textHash });
  const hashes = await Promise.all(texts.map(hashText));
  const missing: number[] = [];
  let cached = 0;
  for (let i = 0; i < count; i++) {
    const record = db ? await getFeatures(db, keyOf(hashes[i])).catch(() => undefined) : undefined;
    const shapeOk =
      record?.shape.length === 3 &&
      record.shape[0] === FIT_POOLINGS.length &&
      record.shape[1] === layers &&
      record.shape[2] === hidden;
    if (!record || !shapeOk) {
      missing.push(i);
      continue;
    }
    FIT_POOLINGS.forEach((p, k) =>
      pooled[p].set(record.data.subarray(k * row, (k + 1) * row), i * row),
    );
    cached++;
  }
  let done = cached;
  args.onProgress?.({ done, total: count, cached });
  for (const chunk of chunksOf(missing, args.chunkRows ?? 32)) {
    if (signal?.aborted) return null;
    let batch: EmbeddedBatch;
    try {
      batch = await args.embed(
        chunk.map((i) => texts[i]),
        [...FIT_POOLINGS],
        signal,
      );
    } catch (e) {
      if (signal?.aborted) return null;
      throw e;
    }
    await Promise.all(
      chunk.map((i, b) => {
        const data = new Float32Array(FIT_POOLINGS.length * row); // [poolings, layers, hidden]
        FIT_POOLINGS.forEach((p, k) => {
          const src = batch.pooled[p];
          if (!src) throw new Error(`the engine returned no ${p} pooling`);
          const vec = src.subarray(b * row, (b + 1) * row);
          data.set(vec, k * row);
          pooled[p].set(vec, i * row);
        });
        // A cache that will not store (quota, private window) costs speed next time, not results.
        return db
          ? putFeatures(db, {
              ...keyOf(hashes[i]),
              shape: [FIT_POOLINGS.length, layers, hidden],
              data,
            }).catch(() => undefined)
          : undefined;
      }),
    );
    done += chunk.length;
    args.onProgress?.({ done, total: count, cached });
  }
  return { count, layers, hidden, pooled };
}

/** Conv1D's input for the Fit view: every text's last-layer tokens, reduced to a few directions. */
export interface TokenFeatures {
  /** The reduced tokens, text after text, on shared memory where the page may share it. */
  input: RaggedTokenInput;
  /** The directions [dim, hidden] raw token states were reduced through (a head carries them). */
  directions: Float64Array;
  /** Texts longer than the model: their tokens are read up to its length, as the Read view does. */
  cut: number;
}

export interface ExtractTokenArgs {
  texts: readonly string[];
  info: Pick<ModelInfo, 'hidden' | 'maxTokens'>;
  /** Directions kept per token (`DEFAULT_LEARNED_CONFIG.projection`). */
  dim: number;
  embed: EmbedFn;
  chunkRows?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs the model over every text once more for its last-layer tokens, which the feature cache does
 * not keep (3,000 texts × ~250 tokens × 768 floats is over 2 GB). The first chunk comes back raw
 * and decides the directions (`tokenDirections`, no targets read); every later chunk is reduced by
 * the engine, so only `dim` floats per token are ever held. Null if cancelled.
 */
export async function extractTokenFeatures(args: ExtractTokenArgs): Promise<TokenFeatures | null> {
  const { texts, info, dim, signal } = args;
  const { hidden } = info;
  const pieces: { data: Float32Array; offsets: Int32Array }[] = [];
  let directions: Float64Array | null = null;
  let cut = 0;
  let done = 0;
  args.onProgress?.(0, texts.length);
  for (const chunk of chunksOf(texts, args.chunkRows ?? 32)) {
    if (signal?.aborted) return null;
    const projection = directions ? Float32Array.from(directions) : null;
    let batch: EmbeddedBatch;
    try {
      batch = await args.embed(chunk, [], signal, {
        projection,
        dim: directions ? directions.length / hidden : hidden,
      });
    } catch (e) {
      if (signal?.aborted) return null;
      throw e;
    }
    const tokens = batch.tokens;
    if (!tokens) throw new Error('the engine returned no token states');
    let data = tokens.data;
    if (!directions) {
      directions = tokenDirections(tokens.data, hidden, dim);
      data = projectTokens(tokens.data, hidden, directions);
    }
    pieces.push({ data, offsets: tokens.offsets });
    cut += batch.tokenCounts.filter((n) => n > info.maxTokens).length;
    done += chunk.length;
    args.onProgress?.(done, texts.length);
  }
  if (!directions) throw new Error('there are no texts to read tokens from');
  const width = directions.length / hidden;
  const offsets = new Int32Array(texts.length + 1);
  // Each piece's offsets start at 0; shift them by the tokens before it.
  let row = 0;
  let at = 0;
  for (const piece of pieces) {
    for (let i = 1; i < piece.offsets.length; i++) offsets[++row] = at + piece.offsets[i];
    at += piece.offsets[piece.offsets.length - 1];
  }
  const data = sharedFloat32(at * width);
  let from = 0;
  for (const piece of pieces) {
    data.set(piece.data, from);
    from += piece.data.length;
  }
  const input: RaggedTokenInput = {
    kind: 'ragged-tokens',
    data,
    offsets,
    batch: texts.length,
    hidden: width,
  };
  return { input, directions, cut };
}
