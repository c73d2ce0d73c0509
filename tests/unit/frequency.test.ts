import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildFrequencyFile,
  FREQUENCY_PATH,
  readSubtlex,
  serialiseFrequency,
} from '../../scripts/word-frequency.ts';
import {
  FREQUENCY_FEATURES,
  WORD_FREQUENCY,
  decodeFrequency,
  frequencyFeatures,
  lookupForms,
} from '../../src/readability/frequency.ts';
import { LITE_MODEL } from '../../src/readability/lite.ts';

describe('the word-frequency table', () => {
  const { entries, version } = readSubtlex();

  it('is what scripts/word-frequency.ts writes from the installed package, byte for byte', () => {
    const committed = readFileSync(FREQUENCY_PATH, 'utf8');
    expect(serialiseFrequency(buildFrequencyFile(entries, version))).toBe(committed);
  });

  it("holds every word of the package at its log10 count, to the band's half tenth", () => {
    const counts = new Map<string, number>();
    for (const { word, count } of entries) {
      const w = word.toLowerCase();
      counts.set(w, (counts.get(w) ?? 0) + count);
    }
    expect(WORD_FREQUENCY.size).toBe(counts.size);
    let worst = 0;
    for (const [w, count] of counts)
      worst = Math.max(worst, Math.abs(WORD_FREQUENCY.get(w)! - Math.log10(count)));
    expect(worst).toBeLessThanOrEqual(0.05 + 1e-12);
    expect(WORD_FREQUENCY.get('the')).toBeGreaterThan(WORD_FREQUENCY.get('ballroom')!);
  });

  it('refuses a file of another format', () => {
    expect(() => decodeFrequency({ format: 'other' } as never)).toThrow(/unknown format/);
  });
});

describe('frequencyFeatures', () => {
  it.each([
    ["Don't", ['don']],
    ['snow-white', ['snow', 'white']],
    ["king's", ['king']],
    ['Über', ['über']],
    ['42', []],
    ['1.5', []],
  ])('looks %j up as %j', (word, forms) => expect(lookupForms(word)).toEqual(forms));

  it('summarises log frequencies as worked out by hand', () => {
    // log10 counts: the 6, cat 4, sat 3; "zyx" is not listed (0).
    const table = new Map([
      ['the', 6],
      ['cat', 4],
      ['sat', 3],
    ]);
    const f = frequencyFeatures(
      [
        ['The', 'cat', 'sat'],
        ['The', 'zyx'],
      ],
      table,
    );
    const values = [6, 4, 3, 6, 0];
    const mean = 19 / 5;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / 5);
    // SUBTLEX-US counts ~50 million words: 10 per million is 10^2.70, 1 per million 10^1.70.
    expect(FREQUENCY_FEATURES).toHaveLength(8);
    expect(f[0]).toBeCloseTo(mean, 12);
    expect(f[1]).toBeCloseTo(sd, 12);
    expect(f[2]).toBe(0); // lowest decile of 5 values: the smallest
    expect(f[3]).toBeCloseTo((3 + 0) / 2, 12); // sentence minima 3 and 0
    expect(f[4]).toBeCloseTo((6 + 4 + 3 + 0) / 4, 12); // types: the, cat, sat, zyx
    expect(f[5]).toBeCloseTo(1 / 5, 12); // under 10 per million: zyx only
    expect(f[6]).toBeCloseTo(1 / 5, 12); // under 1 per million: zyx only
    expect(f[7]).toBeCloseTo(1 / 5, 12); // not listed
  });

  it('gives zeros for a text without words', () => {
    expect(frequencyFeatures([[], ['42']])).toEqual(FREQUENCY_FEATURES.map(() => 0));
  });
});

describe('the lite assets', () => {
  it('stay small: weights and word frequencies under 450 KB gzipped together', () => {
    const gz = (path: string) =>
      gzipSync(readFileSync(new URL(`../../${path}`, import.meta.url)), { level: 9 }).length;
    const total = gz('src/readability/lite-weights.json') + gz(FREQUENCY_PATH);
    expect(total).toBeLessThan(450_000);
  });

  it('are fitted to at most 0.62 CV RMSE on CLEAR, as the README says', () => {
    expect(LITE_MODEL.cvRmse).toBeLessThanOrEqual(0.62);
  });
});
