/**
 * Features for fitting, without React: every layer's CLS, mean, max and WK vector for each text,
 * extracted once and cached in IndexedDB by model and text hash, the sweep's cells, and Conv1D's
 * reduced last-layer tokens (cached the same way).
 */
import { projectTokens, tokenDirections } from '../analysis/directions.ts';
import type { HeadStrategy } from '../analysis/head.ts';
import type { RaggedTokenInput } from '../analysis/learnedInput.ts';
import {
  PARAMETER_FREE_STRATEGIES,
  poolOptionsFor,
  validLayers,
  type PoolOptions,
} from '../analysis/pooling.ts';
import { hashText } from '../data/hash.ts';
import {
  getFeatures,
  putFeatures,
  type FeatureKey,
  type FeatureRecord,
  type Store,
} from '../data/store.ts';
import type { BatchPooling, EmbeddedBatch, ModelInfo, TokenRequest } from '../engine/protocol.ts';
import { chunksOf, pace, type EmbedFn } from './batchRun.ts';
import type { PooledVectors } from './scoring.ts';

/** The poolings cached per text; every parameter-free strategy is built from these. */
export const FIT_POOLINGS = ['cls', 'mean', 'max', 'wk'] as const satisfies BatchPooling[];

/** Parameter-free strategies the sweep fits (the pooler only where it was trained: not here). */
export const SWEEP_STRATEGIES = PARAMETER_FREE_STRATEGIES;

/** One (strategy, layer) cell of the sweep. */
export interface SweepCellId {
  strategy: HeadStrategy;
  layer: number;
}

/**
 * Every cell the sweep fits for a model with `layers` hidden states (of `strategies`, by default
 * the Fit view's), and the options used.
 */
export function sweepPlan(
  layers: number,
  strategies: readonly HeadStrategy[] = SWEEP_STRATEGIES,
): { cells: SweepCellId[]; poolOptions: PoolOptions } {
  const poolOptions = poolOptionsFor(layers);
  const cells = strategies.flatMap((strategy) =>
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

/** How far extraction has got. */
export interface ExtractProgress {
  done: number;
  total: number;
  /** Texts read from the store without running the model. */
  cached: number;
  /** Texts the model read per second in this run, and the time the rest will take (see `pace`). */
  rowsPerSecond: number | null;
  secondsLeft: number | null;
  /** Texts read by the model whose result the store refused (full, or closed): read again next run. */
  unsaved: number;
}

/** Reports a run's progress with the pace of the texts the model has read since it began. */
function progressReporter(
  total: number,
  cached: number,
  { now = () => performance.now(), onProgress }: Pick<ExtractRun, 'now' | 'onProgress'>,
) {
  const started = now();
  return (done: number, unsaved: number) =>
    onProgress?.({
      done,
      total,
      cached,
      ...pace(done - cached, (now() - started) / 1000, total - done),
      unsaved,
    });
}

/** A cached record, or nothing where there is no store or it cannot be read: speed, not results. */
const readCache = (db: Store | null, key: FeatureKey) =>
  db ? getFeatures(db, key).catch(() => undefined) : Promise.resolve(undefined);

/**
 * Caches a record where there is a store; false when the store refused it (quota, private window,
 * closed). A refusal costs speed on the next run, not results, and is counted for the user.
 */
const writeCache = (db: Store | null, record: Omit<FeatureRecord, 'savedAt'>) =>
  db
    ? putFeatures(db, record).then(
        () => true,
        () => false,
      )
    : Promise.resolve(true);

/** How many of a chunk's writes the store refused. */
const refused = async (writes: Promise<boolean>[]) =>
  (await Promise.all(writes)).filter((stored) => !stored).length;

/** One chunk through the engine; null once `signal` has stopped it. */
async function embedUnlessStopped(
  embed: EmbedFn,
  texts: string[],
  pooling: BatchPooling[],
  signal: AbortSignal | undefined,
  tokens?: TokenRequest,
): Promise<EmbeddedBatch | null> {
  if (signal?.aborted) return null;
  try {
    return await embed(texts, pooling, signal, tokens);
  } catch (e) {
    if (signal?.aborted) return null;
    throw e;
  }
}

/** What both extractors take: the texts, the store and the engine, and how to report and stop. */
interface ExtractRun {
  texts: readonly string[];
  /** Where results are cached between runs; null keeps nothing. */
  db: Store | null;
  embed: EmbedFn;
  chunkRows?: number;
  /** Stops extraction within one engine batch; what was extracted before stays cached. */
  signal?: AbortSignal;
  onProgress?: (p: ExtractProgress) => void;
  /** The clock the pace is measured with (ms). */
  now?: () => number;
}

export interface ExtractArgs extends ExtractRun {
  info: ModelInfo;
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
    const record = await readCache(db, keyOf(hashes[i]));
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
  let unsaved = 0;
  const report = progressReporter(count, cached, args);
  report(done, unsaved);
  for (const chunk of chunksOf(missing, args.chunkRows ?? 32)) {
    const chunkTexts = chunk.map((i) => texts[i]);
    const batch = await embedUnlessStopped(args.embed, chunkTexts, [...FIT_POOLINGS], signal);
    if (!batch) return null;
    unsaved += await refused(
      chunk.map((i, b) => {
        const data = new Float32Array(FIT_POOLINGS.length * row); // [poolings, layers, hidden]
        FIT_POOLINGS.forEach((p, k) => {
          const src = batch.pooled[p];
          if (!src) throw new Error(`the engine returned no ${p} pooling`);
          const vec = src.subarray(b * row, (b + 1) * row);
          data.set(vec, k * row);
          pooled[p].set(vec, i * row);
        });
        return writeCache(db, {
          ...keyOf(hashes[i]),
          shape: [FIT_POOLINGS.length, layers, hidden],
          data,
        });
      }),
    );
    done += chunk.length;
    report(done, unsaved);
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
  /** Texts whose reduced tokens came from the store. */
  cached: number;
  /** Texts whose reduced tokens the store refused: the next run reads them from the model again. */
  unsaved: number;
}

export interface ExtractTokenArgs extends ExtractRun {
  info: Pick<ModelInfo, 'modelId' | 'dtype' | 'hidden' | 'maxTokens'>;
  /** Directions kept per token (`DEFAULT_LEARNED_CONFIG.projection`). */
  dim: number;
}

/**
 * The order texts are read in for Conv1D: first `size` texts spread evenly over the file (indices
 * ⌊k·n/size⌋), then the rest in file order. The first chunk decides the directions, and a file
 * sorted by length, date or target would otherwise give them from one end of it only.
 */
export function spreadFirst(n: number, size: number): number[] {
  const first = size >= n ? [] : Array.from({ length: size }, (_, k) => Math.floor((k * n) / size));
  const taken = new Set(first);
  return [...first, ...Array.from({ length: n }, (_, i) => i).filter((i) => !taken.has(i))];
}

/**
 * Runs the model over every text once more for its last-layer tokens, which the feature cache does
 * not keep (3,000 texts × ~250 tokens × 768 floats is over 2 GB). The first chunk, texts spread
 * over the file (`spreadFirst`), comes back raw and decides the directions (`tokenDirections`, no
 * targets read); every later chunk is reduced by the engine, so only `dim` floats per token are
 * ever held. The directions are cached under the first chunk's texts, and each text's reduced
 * tokens under those directions, so a second run on the same file (after a reload too) reads the
 * store instead of the model. Null if cancelled.
 */
export async function extractTokenFeatures(args: ExtractTokenArgs): Promise<TokenFeatures | null> {
  const { texts, info, dim, signal, db } = args;
  const { hidden } = info;
  const size = args.chunkRows ?? 32;
  const hashes = await Promise.all(texts.map(hashText));
  const order = spreadFirst(texts.length, size);
  const first = await hashText(
    `${dim}:${order
      .slice(0, size)
      .map((i) => hashes[i])
      .join(',')}`,
  );
  const directionsKey = {
    modelId: `${info.modelId}#conv1d-directions`,
    dtype: info.dtype,
    textHash: first,
  };
  const tokensKey = (textHash: string) => ({
    modelId: `${info.modelId}#conv1d-tokens:${first}`,
    dtype: info.dtype,
    textHash,
  });

  const stored = await readCache(db, directionsKey);
  let directionsKept = true;
  let directions: Float64Array | null =
    stored?.shape[1] === hidden ? Float64Array.from(stored.data) : null;
  const pieces = new Array<Float32Array | null>(texts.length).fill(null);
  const longer = new Uint8Array(texts.length); // read up to the model's length
  if (directions) {
    const width = directions.length / hidden;
    await Promise.all(
      hashes.map(async (h, i) => {
        const record = await readCache(db, tokensKey(h));
        if (record?.shape.length !== 3 || record.shape[1] !== width) return;
        pieces[i] = record.data;
        longer[i] = record.shape[2] > info.maxTokens ? 1 : 0;
      }),
    );
  }
  const missing = order.filter((i) => !pieces[i]);
  const cached = texts.length - missing.length;
  let done = cached;
  let unsaved = 0;
  const report = progressReporter(texts.length, cached, args);
  report(done, unsaved);
  // The engine's projection, as float32: made once the directions are known.
  let projection: Float32Array | null = directions && Float32Array.from(directions);
  for (const chunk of chunksOf(missing, size)) {
    const request = projection
      ? { projection, dim: projection.length / hidden }
      : { projection: null, dim: hidden };
    const chunkTexts = chunk.map((i) => texts[i]);
    const batch = await embedUnlessStopped(args.embed, chunkTexts, [], signal, request);
    if (!batch) return null;
    const tokens = batch.tokens;
    if (!tokens) throw new Error('the engine returned no token states');
    let data = tokens.data;
    if (!directions) {
      // Rounded to float32 as stored, so a run from the cache reduces exactly as this one.
      projection = Float32Array.from(tokenDirections(tokens.data, hidden, dim));
      directions = Float64Array.from(projection);
      data = projectTokens(tokens.data, hidden, directions);
      directionsKept = await writeCache(db, {
        ...directionsKey,
        shape: [projection.length / hidden, hidden],
        data: projection,
      });
    }
    const width = directions.length / hidden;
    const refusedHere = await refused(
      chunk.map((i, b) => {
        const piece = data.slice(tokens.offsets[b] * width, tokens.offsets[b + 1] * width);
        pieces[i] = piece;
        longer[i] = batch.tokenCounts[b] > info.maxTokens ? 1 : 0;
        const n = tokens.offsets[b + 1] - tokens.offsets[b];
        return writeCache(db, {
          ...tokensKey(hashes[i]),
          shape: [n, width, batch.tokenCounts[b]],
          data: piece,
        });
      }),
    );
    // Without its directions, no stored token of this run can be read back.
    unsaved += directionsKept ? refusedHere : chunk.length;
    done += chunk.length;
    report(done, unsaved);
  }
  if (!directions) throw new Error('there are no texts to read tokens from');
  const width = directions.length / hidden;
  const offsets = new Int32Array(texts.length + 1);
  pieces.forEach((p, i) => (offsets[i + 1] = offsets[i] + p!.length / width));
  const data = sharedFloat32(offsets[texts.length] * width);
  pieces.forEach((p, i) => data.set(p!, offsets[i] * width));
  const input: RaggedTokenInput = {
    kind: 'ragged-tokens',
    data,
    offsets,
    batch: texts.length,
    hidden: width,
  };
  return { input, directions, cut: longer.reduce((a, b) => a + b, 0), cached, unsaved };
}
