import { describe, expect, it } from 'vitest';
import {
  createHead,
  headFits,
  headToJson,
  isDirectRegression,
  parseHead,
  predictHead,
  validateHead,
  type Head,
} from '../../src/analysis/head.ts';
import { fitRidge, predictRidge, ridgeCV } from '../../src/analysis/ridge.ts';
import { makeNormal } from '../../src/analysis/rng.ts';

const MODEL = { modelId: 'Xenova/roberta-base', dtype: 'fp32' as const, hidden: 4 };

function fitted(): { head: Head; x: Float32Array; expected: Float64Array } {
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
    if (!back.ok) return;
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
  ])('refuses %s', (_name, json, reason) => {
    const r = validateHead(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('drops properties it does not know', () => {
    const r = validateHead({ ...head, __proto__: { evil: 1 }, extra: 'x' });
    expect(r.ok && Object.keys(r.head)).not.toContain('extra');
  });

  it('reports invalid JSON as a result', () => {
    expect(parseHead('{')).toEqual({ ok: false, reason: 'This file is not valid JSON.' });
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

describe('isDirectRegression', () => {
  it.each([
    [{ architectures: ['RobertaForSequenceClassification'], num_labels: 1 }, true],
    [{ architectures: ['RobertaForSequenceClassification'], id2label: { 0: 'LABEL_0' } }, true],
    [{ architectures: ['RobertaForSequenceClassification'], num_labels: 3 }, false],
    [{ architectures: ['RobertaModel'] }, false],
    [{}, false],
  ])('%j → %s', (config, expected) => expect(isDirectRegression(config)).toBe(expected));
});
