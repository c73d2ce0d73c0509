import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractFeatures, fnv1a } from '../../src/readability/features.ts';
import { LITE_MODEL, predictLite } from '../../src/readability/lite.ts';
import { dequantise, quantise } from '../../src/readability/weights.ts';
import { BENCH_TEXT } from '../../scripts/bench-lite.ts';

const EASY =
  'The cat sat on the mat. The dog ran to the cat. They had fun in the sun. We all went home.';
const HARD =
  'Notwithstanding considerable epistemological disagreement, contemporary philosophers characteristically emphasise the institutional interdependence of jurisprudential and administrative conventions.';

describe('lite model', () => {
  it('scores easy text above hard text, on the CommonLit scale', () => {
    const easy = predictLite(EASY).target;
    const hard = predictLite(HARD).target;
    expect(easy).toBeGreaterThan(hard);
    for (const t of [easy, hard, predictLite(BENCH_TEXT).target]) {
      expect(t).toBeGreaterThan(-5);
      expect(t).toBeLessThan(3);
    }
  });

  it('adds its parts up to the score and reports its CV error and word count', () => {
    const p = predictLite(BENCH_TEXT);
    const { intercept, surface, words, characters } = p.parts;
    expect(intercept + surface + words + characters).toBeCloseTo(p.target, 10);
    expect(p.cvRmse).toBeLessThan(0.71);
    expect(p.wordCount).toBe(200);
  });

  it('stays finite on empty and odd input', () => {
    for (const t of ['', '...', '42', '\n\n', 'a'.repeat(500)])
      expect(Number.isFinite(predictLite(t).target)).toBe(true);
  });

  it('ships weights under 300 KB gzipped', () => {
    const raw = readFileSync(new URL('../../src/readability/lite-weights.json', import.meta.url));
    expect(gzipSync(raw, { level: 9 }).length).toBeLessThan(300_000);
    expect(LITE_MODEL.words.length).toBe(1 << 16);
  });
});

describe('weights codec and hashing', () => {
  it('round-trips companded int8 weights to within the step at each magnitude', () => {
    const w = [0, 1, -1, 0.5, -0.01, 0.0001, 0.25];
    const back = dequantise(quantise(w));
    w.forEach((x, i) =>
      expect(Math.abs(back[i] - x)).toBeLessThanOrEqual((2 * Math.sqrt(Math.abs(x))) / 127 + 1e-4),
    );
    expect(back[0]).toBe(0);
    expect(back[1]).toBeCloseTo(1, 6);
  });

  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a of %j is the published value', (text, hash) => expect(fnv1a(text)).toBe(hash));

  it('gives hashed features unit length', () => {
    const { words, chars } = extractFeatures(EASY);
    for (const v of [words, chars]) expect(Math.hypot(...v.values)).toBeCloseTo(1, 5);
  });
});
