import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeNormal, makeRng } from '../../src/analysis/rng.ts';
import { goodRows, parseTrainCsv, rowProblems } from '../../src/data/csv.ts';
import type { BatchPooling } from '../../src/engine/protocol.ts';
import {
  CLEAR_CORPUS,
  corpusLabel,
  cvPrecision,
  estimateCost,
  measureRate,
  stratifiedSubset,
  subsetCount,
  trainedOnCorpus,
} from '../../src/pipeline/clearCorpus.ts';
import { FIT_POOLINGS } from '../../src/pipeline/fitRun.ts';
import { CLEAR_DISTRIBUTION } from '../../src/readability/reference.ts';

const CORPUS = new URL(`../../public/${CLEAR_CORPUS.path}`, import.meta.url);

describe('the committed CLEAR corpus', () => {
  it('is a CommonLit train.csv whose every row is usable, as its metadata says', async () => {
    const bytes = readFileSync(CORPUS);
    expect(statSync(CORPUS).size).toBe(CLEAR_CORPUS.bytes);
    const parsed = await parseTrainCsv(new Uint8Array(bytes));
    expect(parsed.header).toEqual([
      'id',
      'url_legal',
      'license',
      'excerpt',
      'target',
      'standard_error',
    ]);
    expect(rowProblems(parsed)).toEqual([]);
    const rows = goodRows(parsed);
    expect(rows).toHaveLength(CLEAR_CORPUS.excerpts);
    const targets = rows.map((r) => r.target);
    // The same file the committed reference distribution was summarised from.
    expect(Math.min(...targets)).toBeCloseTo(CLEAR_DISTRIBUTION.min, 4);
    expect(Math.max(...targets)).toBeCloseTo(CLEAR_DISTRIBUTION.max, 4);
    expect(rows.length).toBe(CLEAR_DISTRIBUTION.count);
  });
});

describe('stratifiedSubset', () => {
  const random = makeRng(3);
  const rows = Array.from({ length: 103 }, (_, i) => ({ id: i, target: random() * 4 - 3 }));

  it.each([1, 10, 40, 102])(
    'takes %i rows, one from each stratum of the sorted targets',
    (size) => {
      const subset = stratifiedSubset(rows, size);
      expect(subset).toHaveLength(size);
      expect(new Set(subset.map((r) => r.id)).size).toBe(size);
      // File order kept.
      expect(subset.map((r) => r.id)).toEqual([...subset.map((r) => r.id)].sort((a, b) => a - b));
      // Independent check: the rank of each picked row among all targets falls in its own stratum.
      const sorted = [...rows].sort((a, b) => a.target - b.target);
      const ranks = subset.map((r) => sorted.indexOf(r)).sort((a, b) => a - b);
      ranks.forEach((rank, s) => {
        expect(rank).toBeGreaterThanOrEqual(Math.floor((s * rows.length) / size));
        expect(rank).toBeLessThan(Math.floor(((s + 1) * rows.length) / size));
      });
    },
  );

  it('draws the same rows for a seed and other rows for another', () => {
    expect(stratifiedSubset(rows, 20, 7)).toEqual(stratifiedSubset(rows, 20, 7));
    expect(stratifiedSubset(rows, 20, 7)).not.toEqual(stratifiedSubset(rows, 20, 8));
  });

  it('gives every row for a size at least their number, and refuses a size that is no count', () => {
    expect(stratifiedSubset(rows, 500)).toEqual(rows);
    expect(subsetCount('all', 3538)).toBe(3538);
    expect(subsetCount(500, 300)).toBe(300);
    for (const bad of [0, -1, 2.5, Number.NaN])
      expect(() => stratifiedSubset(rows, bad)).toThrow(/whole number/);
  });
});

describe('cvPrecision', () => {
  it.each([40, 500])('matches the spread of the RMSE of %i normal residuals, simulated', (n) => {
    const normal = makeNormal(11);
    const reps = 3000;
    const sigma = 0.5;
    const rmses = Array.from({ length: reps }, () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += (sigma * normal()) ** 2;
      return Math.sqrt(s / n);
    });
    const mean = rmses.reduce((a, b) => a + b, 0) / reps;
    const sd = Math.sqrt(rmses.reduce((a, b) => a + (b - mean) ** 2, 0) / (reps - 1));
    expect(sd / mean).toBeGreaterThan(0.9 * cvPrecision(n));
    expect(sd / mean).toBeLessThan(1.1 * cvPrecision(n));
  });

  it('halves as the rows quadruple', () => {
    expect(cvPrecision(2000) / cvPrecision(500)).toBeCloseTo(0.5, 10);
  });
});

describe('estimateCost', () => {
  it('reads at the measured rate and scales the sweep from its reference figure', () => {
    const base = { rows: 3000, secondsPerText: 0.2, hidden: 768, cells: 88, cores: 2 };
    expect(estimateCost(base)).toEqual({ extractSeconds: 600, sweepSeconds: 25 });
    const half = estimateCost({ ...base, rows: 1500 });
    expect(half.extractSeconds).toBe(300);
    expect(half.sweepSeconds).toBeCloseTo(12.5, 10);
    // Narrow models solve at their own width; more cores share the cells.
    expect(estimateCost({ ...base, hidden: 256 }).sweepSeconds).toBeCloseTo(25 / 4, 10);
    expect(estimateCost({ ...base, cores: 4 }).sweepSeconds).toBeCloseTo(12.5, 10);
  });
});

describe('measureRate', () => {
  it('times one batch of the fit poolings and gives seconds per text', async () => {
    let clock = 1000;
    const asked: BatchPooling[][] = [];
    const embed = async (texts: string[], pooling: BatchPooling[]) => {
      asked.push(pooling);
      clock += 400 * texts.length;
      return {} as never;
    };
    expect(await measureRate(embed, ['a', 'b', 'c', 'd'], { now: () => clock })).toBeCloseTo(0.4);
    expect(asked).toEqual([[...FIT_POOLINGS]]);
    await expect(measureRate(embed, [])).rejects.toThrow(/at least one text/);
  });
});

describe('labels', () => {
  it('names a subset and cites the corpus with its licence', () => {
    expect(corpusLabel(500, 3538)).toBe('CLEAR corpus, 500 of 3,538 excerpts');
    expect(corpusLabel(3538, 3538)).toBe('CLEAR corpus, all 3,538 excerpts');
    expect(trainedOnCorpus(40, 3538)).toBe(
      'CLEAR corpus, 40 of 3,538 excerpts (Crossley et al. 2023, CC BY-NC-SA 4.0)',
    );
  });
});
