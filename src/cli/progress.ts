/**
 * Progress on stderr: one line rewritten in place on a terminal, plain lines (fewer of them) when
 * stderr is a file or a pipe, so logs stay readable. Throttled either way; the last update always
 * shows.
 */

/** Where the CLI writes: process.stdout/stderr or a test's collector. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** What one progress line counts. */
export type ProgressUnit = 'rows' | 'cells' | 'folds' | 'bytes';

/** A throttled progress line for one task. */
export interface Progress {
  /** Reports `done` of the total; prints only when the throttle allows. */
  update(done: number, total?: number): void;
  /** Prints the final state and ends the line. */
  finish(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit: ProgressUnit;
  stream: OutStream;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
  /** Least time between two prints (default 100 ms on a terminal, 2 s otherwise). */
  intervalMs?: number;
}

const TTY_INTERVAL_MS = 100;
const PLAIN_INTERVAL_MS = 2000;

/** Starts a progress line on a command's stderr, timed by its clock (see `CliIo`). */
export function progressOn(
  io: { stderr: OutStream; now?: () => number },
  label: string,
  total: number,
  unit: ProgressUnit,
): Progress {
  return createProgress({ label, total, unit, stream: io.stderr, now: io.now });
}

/** Starts a progress line. */
export function createProgress(options: ProgressOptions): Progress {
  const { label, unit, stream } = options;
  const now = options.now ?? (() => performance.now());
  const isTTY = stream.isTTY === true;
  const interval = options.intervalMs ?? (isTTY ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
  const started = now();
  let total = options.total;
  let done = 0;
  let lastPrint = -Infinity;
  let printedDone = -1;
  let isFinished = false;

  const print = () => {
    const line = progressLine(label, done, total, unit, (now() - started) / 1000);
    stream.write(isTTY ? `\r${line}\x1b[K` : `${line}\n`);
    lastPrint = now();
    printedDone = done;
  };

  return {
    update(value, newTotal) {
      done = value;
      if (newTotal !== undefined) total = newTotal;
      if (now() - lastPrint >= interval) print();
    },
    finish() {
      if (isFinished) return;
      isFinished = true;
      if (printedDone !== done) print();
      if (isTTY) stream.write('\n');
    },
  };
}

/** One progress line: `label  done/total unit  rate/s  ETA m:ss` (total 0 = unknown). */
export function progressLine(
  label: string,
  done: number,
  total: number,
  unit: ProgressUnit,
  seconds: number,
): string {
  const amount = (n: number) => (unit === 'bytes' ? formatBytes(n) : String(n));
  const count = total > 0 ? `${amount(done)}/${amount(total)}` : amount(done);
  const parts = [label, unit === 'bytes' ? count : `${count} ${unit}`];
  if (seconds > 0 && done > 0) {
    const rate = done / seconds;
    parts.push(unit === 'bytes' ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)} ${unit}/s`);
    if (total > done) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
  }
  if (total > 0 && done >= total) parts.push(`done in ${formatDuration(seconds)}`);
  return parts.join('  ');
}

/** Seconds as `m:ss` (or `h:mm:ss`). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Bytes as kB / MB / GB with one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
