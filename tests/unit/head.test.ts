import { describe, expect, it } from 'vitest';
import {
  createHead,
  createLearnedHead,
  headFits,
  headToJson,
  isDirectRegression,
  learnedFromHead,
  parseHead,
  predictHead,
  validateHead,
  type RidgeHead,
} from '../../src/analysis/head.ts';
import { projectTokens, tokenDirections } from '../../src/analysis/directions.ts';
import { fitLearned, learnedCvPredictions, predictLearned } from '../../src/analysis/learned.ts';
import type { LayerInput, RaggedTokenInput } from '../../src/analysis/learnedInput.ts';
import type { LayerwiseLearnedStrategy } from '../../src/analysis/pooling.ts';
import { ridgeCV } from '../../src/analysis/crossValidate.ts';
import { scoreFolds } from '../../src/analysis/cvFolds.ts';
import { fitRidge, predictRidge } from '../../src/analysis/ridge.ts';
import type { ModelInfo } from '../../src/engine/protocol.ts';
import { encoderSource, layerInput, predictBatch } from '../../src/pipeline/scoring.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

const MODEL = { modelId: 'Xenova/roberta-base', dtype: 'fp32' as const, hidden: 4 };

function fitted(): { head: RidgeHead; x: Float32Array; expected: Float64Array } {
  const normal = makeNormal(3);
  const n = 30;
  const x = Float32Array.from({ length: n * 8 }, () => normal()); // mean-max of hidden 4 → 8 dims
  const y = Array.from({ length: n }, (_, i) => x[i * 8] - 2 * x[i * 8 + 5] + 0.1 * normal());
  const m = { data: x, rows: n, cols: 8 };
  const cv = ridgeCV(m, y, { folds: 3 });
  const ridge = fitRidge(m, y, cv.alpha);
  const head = createHead({ model: MODEL, strategy: 'mean-max', layer: 12, ridge, cv, rows: n });
  return { head, x, expected: predictRidge(ridge, m) };
}

describe('head JSON', () => {
  it('round-trips and predicts like the ridge it came from', () => {
    const { head, x, expected } = fitted();
    const back = parseHead(headToJson(head));
    expect(back.ok).toBe(true);
    if (!back.ok || back.head.kind === 'learned') throw new Error('not read back as a ridge head');
    expect(back.head).toEqual(head);
    predictHead(back.head, x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
  });

  const { head } = fitted();
  it.each([
    ['not an object', [], /JSON object/],
    ['a future version', { ...head, version: 2 }, /version/],
    ['an unknown dtype', { ...head, dtype: 'fp8' }, /dtype/],
    ['an unknown strategy', { ...head, strategy: 'median' }, /strategy/],
    ['a learned strategy', { ...head, strategy: 'lstm' }, /learned/],
    ['weights of the wrong size', { ...head, weights: head.weights.slice(1) }, /weights/],
    ['a NaN weight', { ...head, weights: head.weights.map((w, i) => (i ? w : null)) }, /weights/],
    [
      'a zero std',
      { ...head, scaler: { ...head.scaler, std: head.scaler.std.map(() => 0) } },
      /std/,
    ],
    ['a negative alpha', { ...head, alpha: -1 }, /alpha/],
    ['a fractional layer', { ...head, layer: 1.5 }, /layer/],
    ['an unknown pool option', { ...head, poolOptions: { depth: 2 } }, /option/],
    ['a bad date', { ...head, createdAt: 'yesterday' }, /createdAt/],
    ['a missing modelId', { ...head, modelId: '' }, /modelId/],
    ['a trainedOn that is no string', { ...head, trainedOn: 3 }, /trainedOn/],
    ['a trainedOn too long to show', { ...head, trainedOn: 'x'.repeat(301) }, /trainedOn/],
  ])('refuses %s', (_name, json, reason) => {
    const r = validateHead(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('drops properties it does not know', () => {
    const r = validateHead({ ...head, __proto__: { evil: 1 }, extra: 'x' });
    expect(r.ok && Object.keys(r.head)).not.toContain('extra');
  });

  it('keeps what a head says it was fitted on', () => {
    const trainedOn = 'CLEAR corpus, 500 of 3,538 excerpts (Crossley et al. 2023, CC BY-NC-SA 4.0)';
    const r = parseHead(headToJson({ ...head, trainedOn }));
    expect(r.ok && r.head.trainedOn).toBe(trainedOn);
    expect(validateHead(head).ok && 'trainedOn' in head).toBe(false);
  });

  it('reports invalid JSON as a result', () => {
    expect(parseHead('{')).toEqual({ ok: false, reason: 'This file is not valid JSON.' });
  });
});

/** A learned head fitted on random CLS vectors of 5 layers (hidden 4), with its input. */
function learned(strategy: LayerwiseLearnedStrategy) {
  const normal = makeNormal(5);
  const [batch, layers, hidden] = [40, 5, 4];
  const data = Float32Array.from({ length: batch * layers * hidden }, () => normal());
  const input: LayerInput = { kind: 'layers', data, batch, layers, hidden };
  const y = Array.from(
    { length: batch },
    (_, i) => data[(i * layers + 4) * hidden] + 0.1 * normal(),
  );
  const config = { layerStart: 2, units: 3, projection: 3, epochs: 6, seed: 2 };
  const cv = learnedCvPredictions(strategy, input, y, { folds: 4, seed: 1 }, config);
  const fitted = fitLearned(strategy, input, y, config);
  const head = createLearnedHead({
    model: { ...MODEL, hidden },
    layers,
    fitted,
    cv: scoreFolds(cv.predictions, y, cv.fold, 4),
    rows: batch,
  });
  return { head, input, fitted };
}

describe('learned head JSON', () => {
  it.each(['weighted-learned', 'attention', 'lstm', 'gru'] as const)(
    '%s round-trips and predicts like the pooling it came from',
    (strategy) => {
      const { head, input, fitted } = learned(strategy);
      expect(head).toMatchObject({ kind: 'learned', layer: 4, poolOptions: { layerStart: 2 } });
      expect(head.folds).toBe(4);
      const back = parseHead(headToJson(head));
      expect(back.ok).toBe(true);
      if (!back.ok || back.head.kind !== 'learned') throw new Error('not read back as learned');
      expect(back.head).toEqual(head);
      const expected = predictLearned(fitted, input);
      const again = predictLearned(learnedFromHead(back.head), input);
      again.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
      // The app's batch path: CLS vectors of every layer, as the engine returns them.
      const batch = { count: 40, layers: 5, hidden: 4, pooled: { cls: input.data } };
      expect(predictBatch(back.head, batch)).toEqual(again);
      expect(layerInput(batch).data).toBe(input.data);
      expect(() => predictBatch(back.head, { ...batch, layers: 6 })).toThrow(/5 hidden states/);
    },
  );

  const { head } = learned('attention');
  const weighted = learned('weighted-learned').head;
  const lstm = learned('lstm').head;
  it.each([
    ['an unknown kind', { ...head, kind: 'tree' }, /kind/],
    ['a parameter-free strategy', { ...head, strategy: 'mean' }, /learned head must use/],
    ['params of the wrong size', { ...head, params: head.params.slice(1) }, /params must hold/],
    ['a null parameter', { ...head, params: [null, ...head.params.slice(1)] }, /params/],
    // Weighted layers has a weight per layer, so its size follows the layers it reads.
    ['params for another layer count', { ...weighted, layer: 6 }, /params must hold/],
    [
      'layerStart at the last layer',
      { ...head, config: { ...head.config, layerStart: 4 } },
      /below layer/,
    ],
    ['poolOptions that disagree', { ...head, poolOptions: { layerStart: 1 } }, /poolOptions/],
    ['a huge recurrent state', { ...head, config: { ...head.config, units: 1e6 } }, /units/],
    ['a missing config field', { ...head, config: { ...head.config, seed: undefined } }, /seed/],
    ['an extra config field', { ...head, config: { ...head.config, depth: 2 } }, /exactly/],
    ['a zero feature std', { ...head, featureStd: head.featureStd.map(() => 0) }, /featureStd/],
    ['a zero target std', { ...head, targetStd: 0 }, /targetStd/],
    ['a projection on attention', { ...head, projection: [1, 2] }, /no projection/],
    ['an LSTM without its projection', { ...lstm, projection: undefined }, /projection must hold/],
    ['a short projection', { ...lstm, projection: lstm.projection!.slice(1) }, /projection/],
    ['a bad date', { ...head, createdAt: 'soon' }, /createdAt/],
  ])('refuses %s', (_name, json, reason) => {
    const r = validateHead(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('is refused for another model, like a ridge head', () => {
    const r = headFits(head, { ...MODEL, modelId: 'Xenova/bert-base-uncased', hidden: 4 });
    expect(r.ok).toBe(false);
  });
});

/**
 * A Conv1D head fitted as the Fit view fits it: raw last-layer token states (hidden 6) of 30 texts
 * of different lengths, reduced to 3 token directions, then fitted on the reduced tokens.
 */
function convHead() {
  const normal = makeNormal(9);
  const [batch, hidden] = [30, 6];
  const offsets = new Int32Array(batch + 1);
  for (let b = 0; b < batch; b++) offsets[b + 1] = offsets[b] + 3 + (b % 5);
  const raw = Float32Array.from({ length: offsets[batch] * hidden }, () => normal());
  const y = Array.from({ length: batch }, (_, b) => raw[offsets[b] * hidden] + 0.1 * normal());
  const directions = tokenDirections(raw, hidden, 3);
  const reduced: RaggedTokenInput = {
    kind: 'ragged-tokens',
    data: projectTokens(raw, hidden, directions),
    offsets,
    batch,
    hidden: 3,
  };
  const config = { projection: 3, channels: 2, epochs: 4, seed: 2 };
  const cv = learnedCvPredictions('conv1d', reduced, y, { folds: 3, seed: 1 }, config);
  const fitted = fitLearned('conv1d', reduced, y, config);
  const head = createLearnedHead({
    model: { ...MODEL, hidden },
    layers: 5,
    fitted,
    tokenProjection: directions,
    cv: scoreFolds(cv.predictions, y, cv.fold, 3),
    rows: batch,
  });
  return { head, fitted, raw, reduced, offsets };
}

describe('Conv1D head JSON', () => {
  const { head, fitted, raw, reduced, offsets } = convHead();

  it('round-trips and scores raw token states like the pooling it came from', () => {
    expect(head).toMatchObject({ kind: 'learned', strategy: 'conv1d', layer: 4, hidden: 6 });
    expect(head.tokenProjection).toHaveLength(3 * 6);
    const back = parseHead(headToJson(head));
    if (!back.ok || back.head.kind !== 'learned') throw new Error('not read back as learned');
    expect(back.head).toEqual(head);
    // The app's batch path: raw last-layer token states, reduced by the head itself.
    const batch = {
      count: 30,
      layers: 5,
      hidden: 6,
      pooled: {},
      tokens: { dim: 6, offsets, data: raw },
    };
    const expected = predictLearned(fitted, reduced);
    predictBatch(back.head, batch).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(() => predictBatch(back.head, { ...batch, tokens: undefined })).toThrow(/token states/);
    expect(() =>
      createLearnedHead({
        model: MODEL,
        layers: 5,
        fitted,
        cv: { rmse: 1, rmseStd: 0, foldRmse: [1, 1] },
        rows: 30,
      }),
    ).toThrow(/token projection/);
  });

  const attention = learned('attention').head;
  it.each([
    ['no token projection', { ...head, tokenProjection: undefined }, /tokenProjection must hold/],
    ['a short token projection', { ...head, tokenProjection: [1, 2] }, /tokenProjection/],
    ['a scaler of the hidden size', { ...head, featureMean: [0, 0, 0, 0, 0, 0] }, /featureMean/],
    ['params for more channels', { ...head, config: { ...head.config, channels: 3 } }, /params/],
    [
      'a token projection on attention',
      { ...attention, tokenProjection: [1] },
      /no tokenProjection/,
    ],
    ['an LSTM projection', { ...head, projection: [1, 2] }, /no projection/],
  ])('refuses %s', (_name, json, reason) => {
    const r = validateHead(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('headFits', () => {
  const { head } = fitted();
  it('accepts the model it was fitted for', () =>
    expect(headFits(head, MODEL)).toEqual({ ok: true }));
  it.each([
    { ...MODEL, modelId: 'Xenova/bert-base-uncased' },
    { ...MODEL, dtype: 'q8' as const },
    { ...MODEL, hidden: 8 },
  ])('refuses %j with a sentence that names both models', (model) => {
    const r = headFits(head, model);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('This head was fitted for Xenova/roberta-base (fp32');
      expect(r.reason).toContain(model.modelId);
      expect(r.reason).toMatch(/Load that model or fit a new head\.$/);
    }
  });
});

describe('encoderSource', () => {
  const { head } = fitted();
  const info = (over: Partial<ModelInfo> = {}): ModelInfo => ({
    ...MODEL,
    modelType: 'roberta',
    backend: 'wasm',
    threads: 2,
    layers: 13,
    maxTokens: 512,
    extraOutputs: [],
    isRegression: false,
    hasTrainedPooler: false,
    prunedNodes: 0,
    loadMs: 1,
    warmupMs: 1,
    ...over,
  });
  const active = { id: 'h1', name: 'Mean-max L12', head };

  it('takes a fine-tuned export’s own output first, then the active head that fits', () => {
    expect(encoderSource(info({ isRegression: true }), active)).toEqual({ kind: 'regression' });
    expect(encoderSource(info(), active)).toEqual({ kind: 'head', active });
  });

  it('has nothing without an active head, and says why a head that does not fit is unused', () => {
    expect(encoderSource(info(), null)).toEqual({ kind: 'none', reason: null });
    const other = encoderSource(info({ modelId: 'Xenova/bert-base-uncased' }), active);
    expect(other.kind).toBe('none');
    expect(other.kind === 'none' && other.reason).toMatch(
      /^The active head does not fit: This head was fitted for Xenova\/roberta-base/,
    );
  });
});

describe('isDirectRegression', () => {
  it.each([
    [{ architectures: ['RobertaForSequenceClassification'], num_labels: 1 }, true],
    [{ architectures: ['RobertaForSequenceClassification'], id2label: { 0: 'LABEL_0' } }, true],
    [{ architectures: ['RobertaForSequenceClassification'], num_labels: 3 }, false],
    [{ architectures: ['RobertaModel'] }, false],
    [{}, false],
  ])('%j → %s', (config, expected) => expect(isDirectRegression(config)).toBe(expected));
});
