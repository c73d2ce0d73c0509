import { describe, expect, it } from 'vitest';
import {
  createProgress,
  formatBytes,
  formatDuration,
  progressLine,
  type ProgressUnit,
} from '../../src/cli/progress.ts';

describe('progressLine', () => {
  it.each<[string, number, number, ProgressUnit, number, string]>([
    ['nothing done yet', 0, 100, 'rows', 0, 'scoring  0/100 rows'],
    ['rate and ETA', 25, 100, 'rows', 5, 'scoring  25/100 rows  5.0 rows/s  ETA 0:15'],
    ['finished', 100, 100, 'rows', 20, 'scoring  100/100 rows  5.0 rows/s  done in 0:20'],
    ['cells', 3, 6, 'cells', 3, 'scoring  3/6 cells  1.0 cells/s  ETA 0:03'],
    ['bytes', 1048576, 4194304, 'bytes', 1, 'scoring  1.0 MB/4.0 MB  1.0 MB/s  ETA 0:03'],
    ['bytes of unknown size', 2048, 0, 'bytes', 1, 'scoring  2.0 kB  2.0 kB/s'],
  ])('%s', (_, done, total, unit, seconds, line) => {
    expect(progressLine('scoring', done, total, unit, seconds)).toBe(line);
  });
});

describe('formatDuration and formatBytes', () => {
  it.each([
    [0, '0:00'],
    [59.6, '1:00'],
    [3725, '1:02:05'],
  ])('%d s is %s', (s, text) => expect(formatDuration(s)).toBe(text));

  it.each([
    [512, '512 B'],
    [1536, '1.5 kB'],
    [5 * 1024 ** 3, '5.0 GB'],
  ])('%d bytes is %s', (b, text) => expect(formatBytes(b)).toBe(text));
});

describe('createProgress', () => {
  function collect(isTTY: boolean) {
    let out = '';
    let t = 0;
    const progress = createProgress({
      label: 'x',
      total: 10,
      unit: 'rows',
      stream: { write: (s: string) => (out += s), isTTY },
      now: () => t,
      intervalMs: 1000,
    });
    return { progress, out: () => out, tick: (ms: number) => (t += ms) };
  }

  it('prints plain lines, throttled, and the last state once', () => {
    const { progress, out, tick } = collect(false);
    for (let i = 1; i <= 10; i++) {
      tick(300);
      progress.update(i);
    }
    progress.finish();
    progress.finish();
    expect(out().split('\n').filter(Boolean)).toEqual([
      'x  1/10 rows  3.3 rows/s  ETA 0:03',
      'x  5/10 rows  3.3 rows/s  ETA 0:02',
      'x  9/10 rows  3.3 rows/s  ETA 0:00',
      'x  10/10 rows  3.3 rows/s  done in 0:03',
    ]);
  });

  it('rewrites one line on a terminal and ends it on finish', () => {
    const { progress, out, tick } = collect(true);
    tick(1000);
    progress.update(5);
    tick(1000);
    progress.update(10);
    progress.finish();
    expect(out()).toBe(
      '\rx  5/10 rows  5.0 rows/s  ETA 0:01\x1b[K\rx  10/10 rows  5.0 rows/s  done in 0:02\x1b[K\n',
    );
  });
});
