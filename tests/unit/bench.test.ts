import { describe, expect, it } from 'vitest';
import { EXCERPT_WORDS, makeExcerpts } from '../../scripts/bench/excerpts.ts';
import {
  fmt,
  formatTable,
  hostMeanPool,
  median,
  padBatch,
  perSecond,
} from '../../scripts/bench/stats.ts';

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
