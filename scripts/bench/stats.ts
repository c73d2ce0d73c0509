/**
 * Pure helpers of the benchmark: medians, rates, host-side padding and pooling, and the plain-text
 * table it prints. No ORT, no DOM, so they run (and are tested) anywhere.
 */

/** Median of a non-empty list; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (!values.length) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Items per second for `count` items done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** Token ids and attention mask `[batch, seqLen]`, right-padded with `padId` to `seqLen`. */
export function padBatch(
  rows: readonly (readonly number[])[],
  padId: number,
  seqLen: number,
): { ids: BigInt64Array; mask: BigInt64Array } {
  const ids = new BigInt64Array(rows.length * seqLen).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * seqLen);
  rows.forEach((row, b) => {
    if (row.length > seqLen) throw new Error(`row ${b} has ${row.length} tokens > ${seqLen}`);
    row.forEach((id, j) => {
      ids[b * seqLen + j] = BigInt(id);
      mask[b * seqLen + j] = 1n;
    });
  });
  return { ids, mask };
}

/**
 * Masked mean over tokens of stacked hidden states, done on the host: `[layers, batch, seqLen,
 * hidden]` in, `[batch, layers, hidden]` out; `lengths[b]` real tokens lead each row.
 */
export function hostMeanPool(
  stacked: Float32Array,
  dims: { layers: number; batch: number; seqLen: number; hidden: number },
  lengths: readonly number[],
): Float32Array {
  const { layers, batch, seqLen, hidden } = dims;
  const out = new Float32Array(batch * layers * hidden);
  for (let l = 0; l < layers; l++) {
    for (let b = 0; b < batch; b++) {
      const dst = (b * layers + l) * hidden;
      const n = lengths[b];
      for (let t = 0; t < n; t++) {
        const src = ((l * batch + b) * seqLen + t) * hidden;
        for (let h = 0; h < hidden; h++) out[dst + h] += stacked[src + h];
      }
      for (let h = 0; h < hidden; h++) out[dst + h] /= n;
    }
  }
  return out;
}

/** A number with `digits` decimals, or an em dash where there is none. */
export function fmt(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : value.toFixed(digits);
}

/** A left-aligned first column and right-aligned others, padded to a common width. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A main-thread long task as the `longtask` PerformanceObserver reports it (page clock, ms). */
export interface LongTask {
  start: number;
  duration: number;
}

/** One input event: when it happened and how long until the next animation frame (ms). */
export interface KeyLatency {
  at: number;
  ms: number;
}

/** How responsive the page was over one stretch of time. */
export interface Responsiveness {
  /** The stretch's length, ms. */
  windowMs: number;
  /** Input events in the stretch (one per key). */
  keys: number;
  keyToFrameMedianMs: number;
  keyToFrameMaxMs: number;
  /** Long tasks that began in the stretch: how many, the longest, and their sum. */
  longTasks: number;
  longTaskMaxMs: number;
  longTaskTotalMs: number;
  /** Share of the stretch the main thread spent in long tasks (0–1). */
  blockedShare: number;
}

/**
 * The long tasks that began in `[from, to]` and the keys pressed in `[keysFrom, to]` (page clock,
 * ms; `keysFrom` defaults to `from`), summarised: 0 for the long-task figures where there were
 * none, NaN for the key figures where no key was pressed.
 */
export function responsiveness(
  tasks: readonly LongTask[],
  keys: readonly KeyLatency[],
  window: { from: number; to: number; keysFrom?: number },
): Responsiveness {
  const { from, to, keysFrom = from } = window;
  const during = tasks.filter((t) => t.start >= from && t.start <= to).map((t) => t.duration);
  const latency = keys.filter((k) => k.at >= keysFrom && k.at <= to).map((k) => k.ms);
  const total = during.reduce((s, d) => s + d, 0);
  return {
    windowMs: to - from,
    keys: latency.length,
    keyToFrameMedianMs: latency.length ? median(latency) : Number.NaN,
    keyToFrameMaxMs: latency.length ? Math.max(...latency) : Number.NaN,
    longTasks: during.length,
    longTaskMaxMs: Math.max(0, ...during),
    longTaskTotalMs: total,
    blockedShare: to > from ? total / (to - from) : 0,
  };
}
