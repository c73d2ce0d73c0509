/**
 * Scoring a file, without React: which scorer gives the target, what else each row carries for the
 * full results file, and the resumable chunk loop. Every chunk is saved in one IndexedDB
 * transaction before it counts as done, so a reload or crash resumes with no row scored twice or
 * lost. Pure glue over the engine's batches; the CLI can reuse everything but the store.
 */
import { headFits, type Head } from '../analysis/head.ts';
import type { TextRow } from '../data/csv.ts';
import { beginBatch, saveBatchChunk, type BatchKey, type Store } from '../data/store.ts';
import { resultsCsv, type ResultColumn } from '../data/submission.ts';
import type { BatchPooling, EmbeddedBatch, ModelInfo, TokenRequest } from '../engine/protocol.ts';
import { batchPoolingFor, loadedModel, predictBatch, tokenRequestFor } from './scoring.ts';

/** What gives each row its `target`. */
export type Scorer =
  | { kind: 'head'; headId: string; name: string; head: Head }
  | { kind: 'regression' }
  | { kind: 'lite' };

/** A saved head whose prediction goes into the full results file as one more column. */
export interface ExtraHead {
  column: string;
  head: Head;
}

/** One scored row as saved: the target and the full results file's other numbers. */
export interface ScoredRow {
  target: number;
  /** Column name → value; a value that cannot be computed (a formula on one word) is left out. */
  columns: Record<string, number>;
}

/** How far a run has got; rates and time left count only rows scored in this session. */
export interface BatchRunProgress {
  done: number;
  total: number;
  /** Rows that were already saved when the run began (resumed). */
  resumed: number;
  rowsPerSecond: number | null;
  secondsLeft: number | null;
}

/** Rows per engine call: big enough to fill padded batches, small enough to save often. */
export const DEFAULT_CHUNK_ROWS = 32;

/** Key part naming the scorer of a batch: its progress is kept apart from other scorers'. */
export function scorerId(scorer: Scorer): string {
  switch (scorer.kind) {
    case 'head':
      return `head:${scorer.headId}`;
    case 'regression':
    case 'lite':
      return scorer.kind;
  }
}

/** Key part naming the model of a batch: the lite scorer needs none. */
export function batchModelId(scorer: Scorer, info: ModelInfo | null): string {
  if (scorer.kind === 'lite' || !info) return 'lite';
  return `${info.modelId}@${info.dtype}`;
}

/** A sentence saying what produces the targets. */
export function describeScorer(scorer: Scorer, info: ModelInfo | null): string {
  switch (scorer.kind) {
    case 'head':
      return `the head "${scorer.name}" (${scorer.head.strategy}, layer ${scorer.head.layer}) on ${info?.modelId ?? scorer.head.modelId}`;
    case 'regression':
      return `the fine-tuned regression output of ${info?.modelId ?? 'the loaded model'}`;
    case 'lite':
      return 'the lite model (text features, no encoder)';
  }
}

/** Why a scorer cannot run with the loaded model, or null when it can. */
export function scorerProblem(scorer: Scorer, info: ModelInfo | null): string | null {
  switch (scorer.kind) {
    case 'lite':
      return null;
    case 'regression':
      if (!info) return 'No model is loaded. Load a fine-tuned regression export first.';
      return info.isRegression
        ? null
        : `${info.modelId} is not a fine-tuned regression export; it needs a head.`;
    case 'head': {
      if (!info) return 'No model is loaded. Load the model the head was fitted on.';
      const fit = headFits(scorer.head, loadedModel(info));
      return fit.ok ? null : fit.reason;
    }
  }
}

const headsOf = (scorer: Scorer, extras: readonly ExtraHead[]) => [
  ...(scorer.kind === 'head' ? [scorer.head] : []),
  ...extras.map((e) => e.head),
];

/** Every pooling the scorer and the extra heads need from one engine call. */
export function poolingFor(scorer: Scorer, extras: readonly ExtraHead[]): BatchPooling[] {
  const heads = headsOf(scorer, extras);
  const wanted = new Set(heads.flatMap(batchPoolingFor));
  // A regression export or a Conv1D head needs no pooling, but the engine call must ask for one.
  if (!wanted.size) wanted.add('cls');
  return [...wanted];
}

/**
 * The lite score and formula columns of each text, in order (readability/columns `textColumns`);
 * the page computes them in the readability worker.
 */
export type TextColumnsFn = (texts: readonly string[]) => Promise<Record<string, number>[]>;

/** Targets and extra columns for texts run through the engine as `batch`; `textColumns` per text. */
export function scoreEmbedded(
  scorer: Exclude<Scorer, { kind: 'lite' }>,
  extras: readonly ExtraHead[],
  batch: EmbeddedBatch,
  textColumns: readonly Record<string, number>[],
): ScoredRow[] {
  let targets: ArrayLike<number>;
  if (scorer.kind === 'head') targets = predictBatch(scorer.head, batch);
  else if (batch.scores) targets = batch.scores;
  else throw new Error('the model returned no regression scores');
  const extra = extras.map((e) => ({ column: e.column, values: predictBatch(e.head, batch) }));
  return textColumns.map((text, i) => {
    const columns = { ...text };
    for (const e of extra) columns[e.column] = e.values[i];
    return { target: targets[i], columns };
  });
}

/** Targets and extra columns from the lite model alone, given each text's columns. */
export function scoreLite(textColumns: readonly Record<string, number>[]): ScoredRow[] {
  return textColumns.map((columns) => ({ target: columns.lite, columns: { ...columns } }));
}

/** Rows ordered by text length (stable), so each chunk pads to similar lengths. */
export function byLength<R extends TextRow>(rows: readonly R[]): R[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => a.row.text.length - b.row.text.length || a.i - b.i)
    .map((x) => x.row);
}

/** Splits an array into consecutive pieces of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Column names for the full results file: the order they first appear in, ids in file order. */
export function extraColumnNames(
  ids: readonly string[],
  results: ReadonlyMap<string, ScoredRow>,
): string[] {
  const names = new Set<string>();
  for (const id of ids) for (const k of Object.keys(results.get(id)?.columns ?? {})) names.add(k);
  return [...names];
}

/** The full results CSV: id, target, then the lite score, each formula and each extra head. */
export function fullResultsCsv(ids: readonly string[], results: ReadonlyMap<string, ScoredRow>) {
  const columns: ResultColumn<string>[] = [
    { header: 'id', kind: 'text', value: (id) => id },
    { header: 'target', kind: 'number', value: (id) => results.get(id)?.target },
    ...extraColumnNames(ids, results).map((name): ResultColumn<string> => ({
      header: name,
      kind: 'number',
      value: (id) => results.get(id)?.columns[name],
    })),
  ];
  return resultsCsv(ids, columns);
}

/**
 * The engine's batch call as runs use it; rejects when `signal` aborts it (the engine stops between
 * its own batches). `tokens` also asks for each text's last-layer token states.
 */
export type EmbedFn = (
  texts: string[],
  pooling: BatchPooling[],
  signal?: AbortSignal,
  tokens?: TokenRequest,
) => Promise<EmbeddedBatch>;

export interface RunBatchArgs {
  rows: readonly TextRow[];
  key: BatchKey;
  fileName: string;
  /** Null when the browser will not store data: the run works, but cannot resume. */
  db: Store | null;
  scorer: Scorer;
  extras: readonly ExtraHead[];
  embed: EmbedFn;
  /** Lite and formula columns of a chunk's texts (the readability worker, on the page). */
  textColumns: TextColumnsFn;
  chunkRows?: number;
  /**
   * Stops the run: a chunk in flight is dropped within one engine batch (one that completes anyway
   * is saved), and every chunk saved before it stays.
   */
  signal?: AbortSignal;
  /**
   * Called when a chunk fails (say the engine crashed and was restarted without its model); true
   * means the engine is ready again and the chunk is retried. Saved chunks are never redone.
   */
  recover?: (error: unknown) => Promise<boolean>;
  onProgress?: (progress: BatchRunProgress) => void;
  now?: () => number;
}

/** What a run ends with: every result saved so far (resumed ones included), and why it ended. */
export interface BatchRunResult {
  results: Map<string, ScoredRow>;
  status: 'done' | 'cancelled';
}

/** Recoveries tried for one chunk before the run gives up with the error. */
const MAX_RECOVERIES = 2;

async function embedWithRecovery(
  args: RunBatchArgs,
  texts: string[],
  pooling: BatchPooling[],
  tokens: TokenRequest | undefined,
): Promise<EmbeddedBatch> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await args.embed(texts, pooling, args.signal, tokens);
    } catch (e) {
      if (args.signal?.aborted || attempt >= MAX_RECOVERIES || !args.recover) throw e;
      if (!(await args.recover(e))) throw e;
    }
  }
}

/**
 * Rows per second of the rows computed in this run (not those resumed or read from a cache), and
 * the seconds the `left` rows will take at that rate; null until a row has been computed.
 */
export function pace(
  computed: number,
  seconds: number,
  left: number,
): { rowsPerSecond: number | null; secondsLeft: number | null } {
  const rate = computed > 0 && seconds > 0 ? computed / seconds : null;
  return { rowsPerSecond: rate, secondsLeft: rate ? left / rate : null };
}

/** Scores every row not yet saved for this key, a chunk at a time, saving each chunk first. */
export async function runBatch(args: RunBatchArgs): Promise<BatchRunResult> {
  const { rows, key, db, scorer, extras, signal, now = () => performance.now() } = args;
  const saved = db
    ? await beginBatch<ScoredRow>(db, key, { fileName: args.fileName, totalRows: rows.length })
    : null;
  const results = new Map<string, ScoredRow>();
  const wanted = new Set(rows.map((r) => r.id));
  // Only rows of this file count; a stored row for an id the file lacks is not ours to report.
  for (const [id, r] of saved?.results ?? []) if (wanted.has(id)) results.set(id, r);
  const resumed = results.size;
  const todo = byLength(rows.filter((r) => !results.has(r.id)));
  const total = rows.length;
  const started = now();
  let scoredHere = 0;
  const report = () =>
    args.onProgress?.({
      done: results.size,
      total,
      resumed,
      ...pace(scoredHere, (now() - started) / 1000, total - results.size),
    });
  report();
  const pooling = scorer.kind === 'lite' ? [] : poolingFor(scorer, extras);
  const tokens = tokenRequestFor(headsOf(scorer, extras));
  for (const chunk of chunksOf(todo, args.chunkRows ?? DEFAULT_CHUNK_ROWS)) {
    if (signal?.aborted) return { results, status: 'cancelled' };
    const texts = chunk.map((r) => r.text);
    // The engine and the readability worker work on the chunk side by side.
    let scored: ScoredRow[];
    try {
      scored =
        scorer.kind === 'lite'
          ? scoreLite(await args.textColumns(texts))
          : await Promise.all([
              embedWithRecovery(args, texts, pooling, tokens),
              args.textColumns(texts),
            ]).then(([batch, columns]) => scoreEmbedded(scorer, extras, batch, columns));
    } catch (e) {
      if (signal?.aborted) return { results, status: 'cancelled' };
      throw e;
    }
    const entries = chunk.map((r, i) => ({ id: r.id, result: scored[i] }));
    if (db) {
      const { alreadySaved } = await saveBatchChunk(db, key, entries);
      // Another tab got there first: keep its result, so the file never holds two versions.
      if (alreadySaved.length) {
        const fresh = await beginBatch<ScoredRow>(db, key, {
          fileName: args.fileName,
          totalRows: rows.length,
        });
        for (const id of alreadySaved) {
          const stored = fresh.results.get(id);
          if (stored) results.set(id, stored);
        }
      }
    }
    for (const e of entries) if (!results.has(e.id)) results.set(e.id, e.result);
    scoredHere += chunk.length;
    report();
  }
  return { results, status: 'done' };
}
