import { describe, expect, it } from 'vitest';
import { EXCERPT_WORDS, makeExcerpts } from '../../scripts/bench/excerpts.ts';
import {
  fmt,
  formatTable,
  hostMeanPool,
  median,
  padBatch,
  perSecond,
  responsiveness,
} from '../../scripts/bench/stats.ts';
import { summariseTyping, type TypingRep } from '../../scripts/bench/typing.ts';
import { kernelTimeByOp, type ProfileEvent } from '../../scripts/bench/variants.ts';

describe('bench stats', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1], 10],
  ])('median of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('refuses the median of nothing', () => {
    expect(() => median([])).toThrow();
  });

  it.each([
    [8, 2000, 4],
    [3, 0, 0],
  ])('%d items in %d ms is %d per second', (count, ms, expected) => {
    expect(perSecond(count, ms)).toBe(expected);
  });

  it('formats numbers and missing values', () => {
    expect(fmt(1.234, 2)).toBe('1.23');
    expect(fmt(undefined)).toBe('—');
    expect(fmt(NaN)).toBe('—');
  });

  it('aligns a table: first column left, the rest right', () => {
    const table = formatTable(
      ['runtime', 'x/s'],
      [
        ['node', '1.5'],
        ['chromium-wasm', '12.25'],
      ],
    );
    expect(table.split('\n')).toEqual([
      'runtime          x/s',
      '-------------  -----',
      'node             1.5',
      'chromium-wasm  12.25',
    ]);
  });
});

describe('host-side padding and pooling', () => {
  it('right-pads ids with the pad id and masks the padding', () => {
    const { ids, mask } = padBatch(
      [
        [0, 5, 2],
        [0, 2],
      ],
      1,
      4,
    );
    expect(Array.from(ids, Number)).toEqual([0, 5, 2, 1, 0, 2, 1, 1]);
    expect(Array.from(mask, Number)).toEqual([1, 1, 1, 0, 1, 1, 0, 0]);
  });

  it('refuses a row longer than the padded length', () => {
    expect(() => padBatch([[1, 2, 3]], 0, 2)).toThrow();
  });

  it('means only the real tokens and moves batch first', () => {
    // [layers=2, batch=2, seqLen=3, hidden=1]; padding holds 100 and must not count.
    const stacked = Float32Array.of(1, 3, 100, 2, 100, 100, 10, 20, 100, 4, 100, 100);
    const pooled = hostMeanPool(stacked, { layers: 2, batch: 2, seqLen: 3, hidden: 1 }, [2, 1]);
    // [batch, layers, hidden]
    expect(Array.from(pooled)).toEqual([2, 15, 2, 4]);
  });
});

describe('bench excerpts', () => {
  it('are deterministic and CommonLit-length', () => {
    const a = makeExcerpts(12);
    expect(makeExcerpts(12)).toEqual(a);
    expect(makeExcerpts(12, 8)).not.toEqual(a);
    for (const text of a) {
      const words = text.split(/\s+/).length;
      expect(words).toBeGreaterThanOrEqual(EXCERPT_WORDS.min);
      expect(words).toBeLessThanOrEqual(EXCERPT_WORDS.max);
      expect(text).toMatch(/[.!?]$/);
    }
  });
});

describe('op profile sums', () => {
  it('sums kernel events by operator from the raw profile, and nothing else', () => {
    const kernel = (node: string, op: string, dur: number): ProfileEvent => ({
      cat: 'Node',
      name: `${node}_kernel_time`,
      dur,
      args: { op_name: op },
    });
    const events: ProfileEvent[] = [
      { cat: 'Session', name: 'model_loading_uri', dur: 90_000 },
      kernel('/layer.0/MatMul', 'MatMul', 1500),
      { cat: 'Node', name: '/layer.0/MatMul_fence_before', dur: 7, args: { op_name: 'MatMul' } },
      kernel('/layer.0/Add', 'Add', 700),
      kernel('/layer.1/MatMul', 'MatMul', 500),
      { cat: 'Node', name: 'odd_kernel_time', dur: 300 }, // no operator named
      kernel('/Gather', 'Gather', 2500),
    ];
    // By hand: Gather 2.5 ms once, MatMul 1.5 + 0.5 ms twice, Add 0.7 ms once; largest first.
    expect(kernelTimeByOp(events)).toEqual([
      { op: 'Gather', ms: 2.5, calls: 1 },
      { op: 'MatMul', ms: 2, calls: 2 },
      { op: 'Add', ms: 0.7, calls: 1 },
    ]);
  });
});

describe('typing responsiveness', () => {
  // Raw events as the page records them: long tasks (start, duration) and keys (event time, ms to
  // the next frame). The window is 10–300 ms, keys counted from 15 ms.
  const tasks = [
    { start: 5, duration: 80 }, // began before the window
    { start: 100, duration: 60 },
    { start: 150, duration: 210 }, // runs past the end, but began inside
    { start: 300, duration: 55 }, // begins on the last instant
    { start: 400, duration: 90 }, // after
  ];
  const keys = [
    { at: 12, ms: 50 }, // the fill, before the first typed key
    { at: 20, ms: 4 },
    { at: 40, ms: 16 },
    { at: 60, ms: 9 },
    { at: 120, ms: 2 },
    { at: 350, ms: 99 }, // after
  ];

  it('counts the long tasks that began in the window and the keys typed in it', () => {
    expect(responsiveness(tasks, keys, { from: 10, to: 300, keysFrom: 15 })).toEqual({
      windowMs: 290,
      keys: 4,
      keyToFrameMedianMs: 6.5, // (4 + 9) / 2
      keyToFrameMaxMs: 16,
      longTasks: 3,
      longTaskMaxMs: 210,
      longTaskTotalMs: 325, // 60 + 210 + 55
      blockedShare: 325 / 290,
    });
  });

  it('gives no long task as 0 ms and no key as NaN', () => {
    const r = responsiveness(tasks, keys, { from: 170, to: 290 });
    expect(r.longTasks).toBe(0);
    expect(r.longTaskMaxMs).toBe(0);
    expect(r.blockedShare).toBe(0);
    expect(r.keys).toBe(0);
    expect(r.keyToFrameMedianMs).toBeNaN();
  });

  it('compares the encode with idle typing by the medians over the reps', () => {
    const part = (keyMedian: number, keyMax: number, taskMax: number) => ({
      windowMs: 5000,
      keys: 82,
      keyToFrameMedianMs: keyMedian,
      keyToFrameMaxMs: keyMax,
      longTasks: taskMax > 0 ? 1 : 0,
      longTaskMaxMs: taskMax,
      longTaskTotalMs: taskMax,
      blockedShare: taskMax / 5000,
    });
    const reps: TypingRep[] = [
      { idle: part(5, 20, 0), encoding: part(6, 30, 100), untilPanelsMs: 7000, typedIntact: true },
      { idle: part(4, 25, 0), encoding: part(9, 60, 300), untilPanelsMs: 9000, typedIntact: true },
      { idle: part(6, 30, 0), encoding: part(7, 40, 200), untilPanelsMs: 8000, typedIntact: true },
    ];
    const run = summariseTyping({ build: 'production', model: '/models/x', tokens: 128 }, reps);
    expect(run.idle.keyToFrameMedianMs).toBe(5);
    expect(run.encoding.keyToFrameMedianMs).toBe(7);
    expect(run.keyToFrameMedianOverIdle).toBeCloseTo(7 / 5, 12);
    expect(run.keyToFrameMaxOverIdle).toBeCloseTo(40 / 25, 12);
    expect(run.encoding.longTaskMaxMs).toBe(200);
    expect(run.longTaskMaxOverIdle).toBeNull(); // idle typing had no long task to compare with
    expect(run.untilPanelsMs).toBe(8000);
    expect(run.worstLongTaskMs).toBe(300);
    expect(run.worstIdleLongTaskMs).toBe(0);
  });
});
