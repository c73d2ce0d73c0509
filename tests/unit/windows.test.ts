import { describe, expect, it } from 'vitest';
import { planBatches, tokenWindows, windowIds } from '../../src/engine/encode.ts';

const seq = (n: number) => [0, ...Array.from({ length: n }, (_, i) => 100 + i), 2];

describe('tokenWindows', () => {
  it.each([
    [5, 7, 2],
    [20, 8, 2],
    [509, 128, 31],
  ])('%i body tokens, max %i, overlap %i: each position points at its token', (n, max, overlap) => {
    // Ids all distinct, so a wrong position cannot point at an equal id by chance.
    const ids = [7000, ...Array.from({ length: n }, (_, i) => 100 + i), 7001];
    for (const w of tokenWindows(ids, max, overlap)) {
      expect(w.positions).toHaveLength(w.ids.length);
      expect(Array.from(w.positions, (p) => ids[p])).toEqual(w.ids);
    }
  });
});

describe('windowIds', () => {
  it('keeps a sequence that fits as one window', () => {
    expect(windowIds(seq(5), 7, 2)).toEqual([seq(5)]);
  });

  it.each([
    [20, 8, 2],
    [21, 8, 0],
    [100, 16, 4],
    [509, 128, 31],
    [7, 8, 5],
  ])(
    '%i body tokens, max %i, overlap %i: windows fit, are wrapped, and cover every token in order',
    (n, max, overlap) => {
      const ids = seq(n);
      const windows = windowIds(ids, max, overlap);
      const seen = new Set<number>();
      let last = -1;
      for (const w of windows) {
        expect(w.length).toBeLessThanOrEqual(max);
        expect(w[0]).toBe(0);
        expect(w.at(-1)).toBe(2);
        const body = w.slice(1, -1);
        expect(body).toEqual(Array.from({ length: body.length }, (_, i) => body[0] + i)); // contiguous
        expect(body[0]).toBeGreaterThan(last - max); // moves forward
        last = body[0];
        body.forEach((t) => seen.add(t));
      }
      expect(seen.size).toBe(n);
      if (windows.length > 1) {
        // neighbours share exactly `overlap` tokens, except the last, which is aligned to the end
        for (let i = 0; i + 2 < windows.length; i++) {
          const a = new Set(windows[i]);
          const shared = windows[i + 1].slice(1, -1).filter((t) => a.has(t)).length;
          expect(shared).toBe(Math.min(overlap, max - 3));
        }
      }
    },
  );
});

describe('planBatches', () => {
  it('groups by length, respects the batch and token caps, and loses no index', () => {
    const lengths = [5, 50, 7, 49, 6, 51, 8];
    const batches = planBatches(lengths, 3, 120);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(3);
      expect(b.length * Math.max(...b.map((i) => lengths[i]))).toBeLessThanOrEqual(120);
    }
    // short texts never share a batch with long ones here
    expect(batches.find((b) => b.includes(0))!.every((i) => lengths[i] < 10)).toBe(true);
  });

  it('still takes a single text longer than the token cap', () => {
    expect(planBatches([300], 4, 100)).toEqual([[0]]);
  });
});
