import { describe, expect, it } from 'vitest';
import { predictHead } from '../../src/analysis/head.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import { ridgeCV } from '../../src/analysis/crossValidate.ts';
import type { BatchPooling, EmbeddedBatch, ModelInfo } from '../../src/engine/protocol.ts';
import { calibrate, type CalibrationStep } from '../../src/pipeline/calibrate.ts';
import { SweepSession } from '../../src/pipeline/sweepSession.ts';
import { SweepWorkers, inlinePort } from '../../src/pipeline/sweepWorkers.ts';

const INFO: ModelInfo = {
  modelId: 'fake-encoder',
  modelType: 'roberta',
  backend: 'wasm',
  dtype: 'fp32',
  threads: 1,
  layers: 3,
  hidden: 4,
  maxTokens: 128,
  extraOutputs: [],
  isRegression: false,
  hasTrainedPooler: false,
  prunedNodes: 0,
  loadMs: 0,
  warmupMs: 0,
};

/** 60 texts whose targets are the mean-pooled layer 2's first feature, plus a little noise. */
const N = 60;
const noise = makeNormal(5);
const draw = makeNormal(6);
const TEXTS = Array.from({ length: N }, (_, i) => `text ${i}`);
const VECTORS = new Map(
  TEXTS.map((t) => [t, Float32Array.from({ length: INFO.layers * INFO.hidden }, draw)]),
);
const signal = (t: string) => VECTORS.get(t)![2 * INFO.hidden]; // mean, layer 2, feature 0
const ROWS = TEXTS.map((text) => ({ text, target: 2 * signal(text) - 1 + 0.05 * noise() }));

/** A fake engine: the same vectors for every pooling, but the mean's layer 2 is the signal. */
async function embed(texts: string[], pooling: BatchPooling[]): Promise<EmbeddedBatch> {
  const row = INFO.layers * INFO.hidden;
  const pooled = Object.fromEntries(
    pooling.map((p) => {
      const out = new Float32Array(texts.length * row);
      texts.forEach((t, i) => {
        const v = VECTORS.get(t)!;
        // Other poolings see the signal scrambled, so mean@2 is the cell to find.
        out.set(p === 'mean' ? v : v.map((x, k) => Math.cos(x * 7 + k + p.length)), i * row);
      });
      return [p, out];
    }),
  );
  return {
    count: texts.length,
    layers: INFO.layers,
    hidden: INFO.hidden,
    pooled,
    tokenCounts: new Int32Array(texts.length).fill(8),
    windows: new Uint16Array(texts.length).fill(1),
  };
}

/** The sweep workers' own handler, run on this thread: the real session, a pool of one. */
const inProcessSweeper = () => new SweepSession(new SweepWorkers(inlinePort, 1));

describe('calibrate', () => {
  it('finds the planted cell and saves it as a head for the model, saying what it was fitted on', async () => {
    const steps: CalibrationStep['phase'][] = [];
    const result = await calibrate({
      rows: ROWS,
      info: INFO,
      db: null,
      embed,
      sweeper: inProcessSweeper(),
      trainedOn: 'CLEAR corpus, 60 of 3,538 excerpts',
      sketch: 2, // every cell is sketched: the confirmation decides
      onStep: (s) => steps.push(s.phase),
    });
    expect(result).not.toBeNull();
    const { head, cell, cv } = result!;
    expect(cell).toEqual({ strategy: 'mean', layer: 2 });
    expect(head).toMatchObject({
      modelId: 'fake-encoder',
      dtype: 'fp32',
      hidden: 4,
      strategy: 'mean',
      layer: 2,
      rows: N,
      folds: 5,
      trainedOn: 'CLEAR corpus, 60 of 3,538 excerpts',
    });
    // The head's CV is the exact one: ridgeCV on the cell's features from scratch agrees.
    // Layer 2's mean vector of each text, as the fake engine made it.
    const x = new Float64Array(N * 4);
    TEXTS.forEach((t, i) => x.set(VECTORS.get(t)!.subarray(8, 12), i * 4));
    const y = Float64Array.from(ROWS, (r) => r.target);
    const direct = ridgeCV({ data: x, rows: N, cols: 4 }, y, { folds: 5, seed: 42 });
    expect(cv.rmse).toBeCloseTo(direct.rmse, 10);
    expect(head.cvRmse).toBeCloseTo(direct.rmse, 10);
    const predicted = predictHead(head, x);
    let sse = 0;
    predicted.forEach((p, i) => (sse += (p - y[i]) ** 2));
    expect(Math.sqrt(sse / N)).toBeLessThan(0.2);
    expect(steps[0]).toBe('extracting');
    expect(steps).toContain('sweeping');
    expect(steps).toContain('confirming');
    expect(steps.at(-1)).toBe('fitting');
  });

  it('returns null when cancelled during extraction, and refuses a single row', async () => {
    const c = new AbortController();
    c.abort();
    const base = { info: INFO, db: null, embed, sweeper: inProcessSweeper(), trainedOn: 'x' };
    expect(await calibrate({ ...base, rows: ROWS, signal: c.signal })).toBeNull();
    await expect(calibrate({ ...base, rows: ROWS.slice(0, 1) })).rejects.toThrow(/two labelled/);
  });
});
