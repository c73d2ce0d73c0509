import { describe, expect, it } from 'vitest';
import { crossValidate, ridgeCV } from '../../src/analysis/crossValidate.ts';
import { kFold } from '../../src/analysis/cvFolds.ts';
import type { Matrix } from '../../src/analysis/matrix.ts';
import { fitRidge } from '../../src/analysis/ridge.ts';
import { meanPredictorRmse, rmse } from '../../src/analysis/oof.ts';

/** Each row's prediction from the CV's model at one α, fitted on the other folds. */
const outOfFold = (
  x: Matrix,
  y: ArrayLike<number>,
  alpha: number,
  split: { folds: number; seed: number },
) => crossValidate(x, y, { ...split, alphas: [alpha] }).predictions[0];
import type { TextRow } from '../../src/data/csv.ts';
import type { BatchPooling, EmbeddedBatch } from '../../src/engine/protocol.ts';
import { textColumns as columnsOf } from '../../src/readability/columns.ts';
import {
  byLength,
  chunksOf,
  fullResultsCsv,
  pace,
  runBatch,
  scorerId,
  type RunBatchArgs,
  type ScoredRow,
} from '../../src/pipeline/batchRun.ts';
import { spreadFirst, sweepPlan } from '../../src/pipeline/fitRun.ts';
import { histogram } from '../../src/ui/views/batch/Histogram.tsx';
import { viridis } from '../../src/ui/views/batch/SweepHeatmap.tsx';

const rows: TextRow[] = ['ccc', 'a', 'bb', 'dddd', 'ee'].map((text, i) => ({
  id: `r${i}`,
  text: `${text} word`,
  line: i + 2,
}));

/** A fake engine: a one-label regression export whose score is the text's length. */
function fakeEmbed(calls: string[][]) {
  return async (texts: string[], _pooling: BatchPooling[]): Promise<EmbeddedBatch> => {
    calls.push(texts);
    return {
      count: texts.length,
      layers: 1,
      hidden: 1,
      pooled: {},
      scores: Float32Array.from(texts, (t) => t.length),
      tokenCounts: new Int32Array(texts.length),
      windows: new Uint16Array(texts.length).fill(1),
    };
  };
}

/** The readability worker's answer, computed here: the lite and formula columns of each text. */
const textColumns = (texts: readonly string[]) => Promise.resolve(texts.map(columnsOf));

describe('runBatch', () => {
  const key = { fileHash: 'f', modelId: 'm@fp32', headId: 'regression' };

  it('scores every row once, shortest texts first, in chunks', async () => {
    const calls: string[][] = [];
    const progress: number[] = [];
    const out = await runBatch({
      rows,
      key,
      fileName: 'test.csv',
      db: null,
      scorer: { kind: 'regression' },
      extras: [],
      embed: fakeEmbed(calls),
      textColumns,
      chunkRows: 2,
      onProgress: (p) => progress.push(p.done),
    });
    expect(out.status).toBe('done');
    expect(calls).toEqual([['a word', 'bb word'], ['ee word', 'ccc word'], ['dddd word']]);
    expect([...out.results.keys()].sort()).toEqual(rows.map((r) => r.id).sort());
    expect(out.results.get('r3')?.target).toBe('dddd word'.length);
    expect(out.results.get('r3')?.columns.lite).toEqual(expect.any(Number));
    expect(progress).toEqual([0, 2, 4, 5]);
  });

  /** A regression run in chunks of two, cancelled by `controller` from inside `embed`. */
  const cancelledRun = (controller: AbortController, embed: RunBatchArgs['embed']) =>
    runBatch({
      rows,
      key,
      fileName: 'test.csv',
      db: null,
      scorer: { kind: 'regression' },
      extras: [],
      embed,
      textColumns,
      chunkRows: 2,
      signal: controller.signal,
    });

  it('drops the chunk in flight when cancelled inside it, keeping the chunks saved before', async () => {
    const controller = new AbortController();
    const calls: string[][] = [];
    // The second chunk is cancelled mid-way: the engine rejects once the signal aborts.
    const out = await cancelledRun(controller, async (t, p, signal) => {
      if (calls.length === 1) {
        controller.abort();
        if (signal?.aborted) throw new Error('cancelled');
      }
      return fakeEmbed(calls)(t, p);
    });
    expect(out.status).toBe('cancelled');
    expect(calls).toHaveLength(1);
    expect([...out.results.keys()].sort()).toEqual(['r1', 'r2']); // 'a word', 'bb word'
  });

  it('saves a chunk that completes although cancelled, then stops', async () => {
    const controller = new AbortController();
    const calls: string[][] = [];
    const out = await cancelledRun(controller, async (t, p) => {
      controller.abort();
      return fakeEmbed(calls)(t, p);
    });
    expect(out.status).toBe('cancelled');
    expect(calls).toHaveLength(1);
    expect(out.results.size).toBe(2);
  });

  it('needs no engine for the lite model', async () => {
    const out = await runBatch({
      rows,
      key: { ...key, headId: scorerId({ kind: 'lite' }) },
      fileName: 'test.csv',
      db: null,
      scorer: { kind: 'lite' },
      extras: [],
      embed: () => Promise.reject(new Error('no engine')),
      textColumns,
    });
    for (const r of out.results.values()) expect(r.target).toBe(r.columns.lite);
    expect(out.results.get('r0')?.columns).toEqual(columnsOf('ccc word'));
  });
});

describe('batch helpers', () => {
  it('orders by length, stable, and chunks', () => {
    expect(byLength(rows).map((r) => r.id)).toEqual(['r1', 'r2', 'r4', 'r0', 'r3']);
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('writes the full results with blanks where a column has no value', () => {
    const results = new Map<string, ScoredRow>([
      ['a', { target: -1.5, columns: { lite: -1, flesch: 80 } }],
      ['b', { target: 0.25, columns: { lite: 0.5 } }],
    ]);
    expect(fullResultsCsv(['a', 'b'], results)).toBe(
      'id,target,lite,flesch\na,-1.5,-1,80\nb,0.25,0.5,\n',
    );
  });

  it('bins predictions in quarters covering every value', () => {
    const { edges, counts } = histogram([-1.1, -1, 0.1, 0.24]);
    expect(edges).toEqual([-1.25, -1, -0.75, -0.5, -0.25, 0]);
    expect(counts).toEqual([1, 1, 0, 0, 0, 2]);
    expect(histogram([])).toEqual({ edges: [], counts: [] });
  });

  it('maps the heatmap scale onto viridis', () => {
    expect(viridis(0)).toBe('rgb(68,1,84)');
    expect(viridis(1)).toBe('rgb(253,231,37)');
    expect(viridis(2)).toBe('rgb(253,231,37)');
  });

  it('gives the pace of the rows computed here, and the time the rest takes at it', () => {
    expect(pace(0, 5, 100)).toEqual({ rowsPerSecond: null, secondsLeft: null });
    expect(pace(10, 0, 100)).toEqual({ rowsPerSecond: null, secondsLeft: null });
    expect(pace(30, 10, 60)).toEqual({ rowsPerSecond: 3, secondsLeft: 20 });
    expect(pace(30, 10, 0)).toEqual({ rowsPerSecond: 3, secondsLeft: 0 });
  });

  it('reads Conv1D’s first chunk spread over the file, then every other text once', () => {
    const order = spreadFirst(100, 32);
    expect(order.slice(0, 4)).toEqual([0, 3, 6, 9]);
    expect(order[31]).toBe(96);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(order.slice(32, 35)).toEqual([1, 2, 4]);
    // At most a chunk of texts: the file's own order.
    expect(spreadFirst(20, 32)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(spreadFirst(33, 32).slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });

  it('plans every parameter-free strategy where it can sit', () => {
    const { cells, poolOptions } = sweepPlan(13);
    expect(poolOptions).toEqual({ layerStart: 4, k: 4, contextWindow: 2 });
    const at = (s: string) => cells.filter((c) => c.strategy === s).map((c) => c.layer);
    expect(at('cls')).toHaveLength(13);
    expect(at('concat-last4')).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(at('wk')).toEqual([6, 7, 8, 9, 10, 11, 12]);
  });
});

/** The rows of a matrix picked by index, in that order. */
function selectRows(x: Matrix, rows: ArrayLike<number>): Matrix {
  const data = new Float64Array(rows.length * x.cols);
  for (let r = 0; r < rows.length; r++)
    for (let k = 0; k < x.cols; k++) data[r * x.cols + k] = x.data[rows[r] * x.cols + k];
  return { data, rows: rows.length, cols: x.cols };
}

describe('out-of-fold predictions', () => {
  const n = 60;
  const d = 3;
  const data = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) + (i % d));
  const x = { data, rows: n, cols: d };
  const y = Array.from({ length: n }, (_, r) => 2 * data[r * d] - data[r * d + 1] + 0.5);

  it.each([
    ['primal', 60, 3],
    ['dual', 20, 30],
  ])('predicts every row from a fit that never saw it (%s)', (_mode, rows, cols) => {
    const m = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 1.7) + (i % cols));
    const xm = { data: m, rows, cols };
    const ym = Array.from({ length: rows }, (_, r) => 2 * m[r * cols] - m[r * cols + 1] + 0.5);
    const alpha = 1;
    const oof = outOfFold(xm, ym, alpha, { folds: 5, seed: 3 });
    const fold = kFold(rows, 5, 3);
    for (let f = 0; f < 5; f++) {
      const train = [...fold.keys()].filter((i) => fold[i] !== f);
      const model = fitRidge(
        selectRows(xm, train),
        train.map((i) => ym[i]),
        alpha,
      );
      for (const r of [...fold.keys()].filter((i) => fold[i] === f)) {
        let expected = model.bias;
        for (let k = 0; k < cols; k++)
          expected +=
            ((m[r * cols + k] - model.scaler.mean[k]) / model.scaler.std[k]) * model.weights[k];
        expect(oof[r]).toBeCloseTo(expected, 9);
      }
    }
  });

  it('scores close to ridgeCV at its best alpha and far below the mean predictor', () => {
    const cv = ridgeCV(x, y, { folds: 5, seed: 3 });
    const oof = outOfFold(x, y, cv.alpha, { folds: 5, seed: 3 });
    expect(rmse(oof, y)).toBeLessThan(0.5 * meanPredictorRmse(y));
    expect(Math.abs(rmse(oof, y) - cv.rmse)).toBeLessThan(0.25 * cv.rmse + 1e-6);
  });
});
