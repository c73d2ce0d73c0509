import { countSentences, createLexicon, formulasFromCounts, words } from './formulas.ts';
import { FREQUENCY_FEATURES, frequencyFeatures } from './frequency.ts';
import { splitSentences } from './sentences.ts';

/** A sparse feature vector: sorted distinct bucket indices and their values. */
export interface SparseVector {
  indices: Uint32Array;
  values: Float32Array;
}

/** Everything the lite model reads from a text. */
export interface TextFeatures {
  /** Number of words, for callers that need to know how much text there was. */
  wordCount: number;
  /** Surface statistics and formula scores, in the order of `DENSE_FEATURES`. */
  dense: Float64Array; // [DENSE_FEATURES.length]
  /** Hashed lower-case word unigrams and bigrams, log counts, unit length. */
  words: SparseVector;
  /** Hashed character 3- to 5-grams of the lower-cased words, log counts, unit length. */
  chars: SparseVector;
}

/** Buckets for the hashed word n-grams (2^16). */
export const WORD_BUCKETS = 1 << 16;
/** Buckets for the hashed character n-grams (2^16). */
export const CHAR_BUCKETS = 1 << 16;

/** Standardised dense features are clipped here so that one odd text cannot swing the score. */
export const Z_CLIP = 5;

/** Names of the dense features, in order. */
export const DENSE_FEATURES = [
  'log words',
  'log sentences',
  'words per sentence',
  'sd words per sentence',
  'longest sentence',
  'syllables per word',
  'sd syllables per word',
  'share 1-syllable',
  'share 3+ syllables',
  'share 4+ syllables',
  'letters per word',
  'sd letters per word',
  'share 7+ letters',
  'share 10+ letters',
  'root type-token ratio',
  'share Dale-Chall difficult',
  'share Spache unfamiliar',
  'share difficult types',
  'hardest sentence difficult share',
  'commas per sentence',
  'semicolons+colons per sentence',
  'dashes per sentence',
  'quotes per word',
  'questions+exclamations per sentence',
  'parentheses per word',
  'share capitalised mid-sentence',
  'share digits',
  'lines per sentence',
  'share pronouns I/you/we',
  'share pronouns he/she/they',
  'share latinate suffixes',
  'share archaic words',
  'flesch',
  'flesch-kincaid',
  'automated readability',
  'coleman-liau',
  'smog',
  'dale-chall',
  'gunning fog',
  'spache',
  ...FREQUENCY_FEATURES,
] as const;

const FIRST_SECOND = new Set(['i', 'me', 'my', 'you', 'your', 'we', 'us', 'our']);
const THIRD = new Set(['he', 'him', 'his', 'she', 'her', 'they', 'them', 'their', 'it', 'its']);
const ARCHAIC = new Set([
  'thee',
  'thou',
  'thy',
  'thine',
  'hath',
  'doth',
  'ye',
  'shalt',
  'art',
  'nay',
  'ere',
  'whilst',
  'upon',
  'whence',
  'thither',
  'hither',
]);
const LATINATE = /(tion|sion|ment|ness|ity|ous|ive|ical|ence|ance|ism|ist|ize|ise|ary|ory)s?$/;

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const share = (xs: readonly unknown[], test: (x: never) => boolean) =>
  xs.length ? xs.filter(test as (x: unknown) => boolean).length / xs.length : 0;

// NaN (a formula on an empty text) would poison the whole score; 0 is "no evidence".
const finite = (x: number) => (Number.isFinite(x) ? x : 0);

/** Extracts the lite model's dense and hashed features from a text. */
export function extractFeatures(text: string): TextFeatures {
  const normal = text.replace(/[’‘]/g, "'").replace(/[“”]/g, '"');
  const sentences = splitSentences(normal).map((s) => words(s.text));
  const { syllables, isDaleChallFamiliar, isSpacheFamiliar } = createLexicon();
  const all = sentences.flat();
  const lower = all.map((w) => w.toLowerCase());
  const syl = all.map(syllables);
  const len = all.map((w) => (w.match(/[\p{L}\p{N}]/gu) ?? []).length);
  const sentLen = sentences.map((s) => s.length).filter((n) => n > 0);
  const nSent = Math.max(1, sentLen.length);
  const nWords = Math.max(1, all.length);
  const alpha = lower.filter((w) => /\p{L}/u.test(w));
  const difficult = alpha.filter((w) => !isDaleChallFamiliar(w));
  const types = new Set(lower);
  const count = (re: RegExp) => (normal.match(re) ?? []).length;
  const counts = countSentences(sentences, { syllables, isDaleChallFamiliar, isSpacheFamiliar });
  const formulaValues = formulasFromCounts(counts).map((f) => finite(f.value));
  const hardestSentence = Math.max(
    0,
    ...sentences
      .filter((s) => s.length)
      .map((s) => share(s, (w: string) => /\p{L}/u.test(w) && !isDaleChallFamiliar(w))),
  );
  const midCapital = sentences.flatMap((s) => s.slice(1)).filter((w) => /^\p{Lu}/u.test(w)).length;

  const dense = [
    Math.log1p(all.length),
    Math.log1p(sentLen.length),
    all.length / nSent,
    sd(sentLen),
    Math.max(0, ...sentLen),
    mean(syl),
    sd(syl),
    share(syl, (n: number) => n === 1),
    share(syl, (n: number) => n >= 3),
    share(syl, (n: number) => n >= 4),
    mean(len),
    sd(len),
    share(len, (n: number) => n >= 7),
    share(len, (n: number) => n >= 10),
    types.size / Math.sqrt(nWords),
    alpha.length ? difficult.length / alpha.length : 0,
    share(alpha, (w: string) => !isSpacheFamiliar(w)),
    types.size ? new Set(difficult).size / types.size : 0,
    hardestSentence,
    count(/,/g) / nSent,
    count(/[;:]/g) / nSent,
    count(/—|–|--| - /g) / nSent,
    count(/"/g) / nWords,
    count(/[?!]/g) / nSent,
    count(/[()]/g) / nWords,
    midCapital / nWords,
    share(all, (w: string) => /^\p{N}/u.test(w)),
    count(/\n/g) / nSent,
    share(lower, (w: string) => FIRST_SECOND.has(w)),
    share(lower, (w: string) => THIRD.has(w)),
    share(lower, (w: string) => w.length > 6 && LATINATE.test(w)),
    share(lower, (w: string) => ARCHAIC.has(w)),
    ...formulaValues,
    ...frequencyFeatures(sentences),
  ].map(finite);

  return {
    wordCount: all.length,
    dense: Float64Array.from(dense),
    words: hashed(wordGrams(sentences.map((s) => s.map((w) => w.toLowerCase()))), WORD_BUCKETS),
    chars: hashed(charGrams(lower), CHAR_BUCKETS),
  };
}

// Hashes of every word and word pair.
function* wordGrams(sentences: string[][]): Generator<number> {
  for (const s of sentences) {
    for (let i = 0; i < s.length; i++) {
      yield fnv1a(s[i]);
      // The space keeps bigrams apart from unigrams; sentence starts mark how sentences open.
      yield fnv1a(i === 0 ? `^ ${s[i]}` : `${s[i - 1]} ${s[i]}`);
    }
  }
}

// Hashes of every 3-, 4- and 5-gram of each space-padded word; each longer gram extends the shorter's hash.
function* charGrams(lower: string[]): Generator<number> {
  for (const w of lower) {
    const padded = ` ${w} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      let h = 0x811c9dc5;
      for (let j = i; j < Math.min(i + 5, padded.length); j++) {
        h = Math.imul(h ^ padded.charCodeAt(j), 0x01000193);
        if (j - i >= 2) yield h >>> 0;
      }
    }
  }
}

// Log counts scaled to unit length, so a long text and a short one weigh alike.
function hashed(hashes: Iterable<number>, buckets: number): SparseVector {
  const counts = new Map<number, number>();
  for (const h of hashes) {
    const b = h & (buckets - 1);
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const indices = Uint32Array.from(counts.keys()).sort();
  const values = Float32Array.from(indices, (i) => Math.log1p(counts.get(i) ?? 0));
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < values.length; i++) values[i] /= norm;
  return { indices, values };
}
