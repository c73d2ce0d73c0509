import { automatedReadability } from 'automated-readability';
import { colemanLiau } from 'coleman-liau';
import { daleChall } from 'dale-chall';
import { daleChallFormula, daleChallGradeLevel } from 'dale-chall-formula';
import { flesch } from 'flesch';
import { fleschKincaid } from 'flesch-kincaid';
import { gunningFog } from 'gunning-fog';
import { smogFormula } from 'smog-formula';
import { spache } from 'spache';
import { spacheFormula } from 'spache-formula';
import { syllable } from 'syllable';
import { splitSentences } from './sentences.ts';

/** Counts of a text, in the shapes the wooorm formula packages take. */
// A type alias, not an interface: the packages' count types have string index signatures.
export type TextCounts = {
  sentence: number;
  word: number;
  syllable: number;
  /** Letters and digits inside words (ARI's "characters"). */
  character: number;
  /** Letters only (Coleman–Liau). */
  letter: number;
  /** Words of three or more syllables (SMOG). */
  polysillabicWord: number;
  /** Three or more syllables, not a proper noun, compound or -es/-ed/-ing inflection (Gunning fog). */
  complexPolysillabicWord: number;
  /** Words not on the Dale–Chall list of 3,000 familiar words. */
  difficultWord: number;
  /** Distinct words not on the revised Spache list. */
  unfamiliarWord: number;
};

/** The classic formulas, a closed set. */
export type FormulaId =
  | 'flesch'
  | 'fleschKincaid'
  | 'automatedReadability'
  | 'colemanLiau'
  | 'smog'
  | 'daleChall'
  | 'gunningFog'
  | 'spache';

/** One formula's value for a text, its US grade level and what that means. */
export interface FormulaResult {
  id: FormulaId;
  name: string;
  value: number;
  /** Approximate US school grade a reader needs (NaN when the text is too short to say). */
  grade: number;
  /** The grade as a person would say it, e.g. "grade 7" or "college". */
  gradeLabel: string;
  /** One sentence on what the formula measures. */
  meaning: string;
}

/** Every formula id, in the order the UI lists them. */
export const FORMULA_IDS: readonly FormulaId[] = [
  'flesch',
  'fleschKincaid',
  'automatedReadability',
  'colemanLiau',
  'smog',
  'daleChall',
  'gunningFog',
  'spache',
];

// Numbers keep their decimal point and thousands separators; compounds and contractions stay whole.
const WORD = /\p{N}+(?:[.,]\p{N}+)*|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const DALE_CHALL = new Set(daleChall);
const SPACHE = new Set(spache);

/** The words of a text in order, as written (hyphenated compounds and contractions stay whole). */
export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Syllables in a word, per the `syllable` package; at least one for any word with a letter. */
export function syllables(word: string): number {
  return /\p{L}/u.test(word) ? Math.max(1, syllable(word)) : 0;
}

/** Whether a word (any case) is familiar: on the list itself or as a regular inflection of it. */
export function isFamiliar(word: string, list: ReadonlySet<string>): boolean {
  const w = word.toLowerCase().replace(/’/g, "'");
  if (list.has(w)) return true;
  // Dale and Chall count regular plurals, -ed, -ing, -er/-est and possessives as familiar.
  const stems = [
    w.replace(/'s$/, ''),
    w.replace(/s$/, ''),
    w.replace(/es$/, ''),
    w.replace(/ies$/, 'y'),
    w.replace(/ed$/, ''),
    w.replace(/ed$/, 'e'),
    w.replace(/ied$/, 'y'),
    w.replace(/ing$/, ''),
    w.replace(/ing$/, 'e'),
    w.replace(/(er|est)$/, ''),
    w.replace(/(ier|iest)$/, 'y'),
    w.replace(/ly$/, ''),
  ];
  return stems.some((s) => s !== w && s.length > 1 && list.has(s));
}

/** Whether a word is on the Dale–Chall list of familiar words (with regular inflections). */
export function isDaleChallFamiliar(word: string): boolean {
  return isFamiliar(word, DALE_CHALL);
}

/** Whether a word is on the revised Spache list of familiar words (with regular inflections). */
export function isSpacheFamiliar(word: string): boolean {
  return isFamiliar(word, SPACHE);
}

// Gunning leaves out proper nouns, compounds, and words that reach three syllables only by -es/-ed/-ing.
function isComplex(word: string, syllableCount: number, sentenceStart: boolean): boolean {
  if (syllableCount < 3 || word.includes('-')) return false;
  if (!sentenceStart && /^\p{Lu}/u.test(word)) return false;
  const stem = /^(.+?)(es|ed|ing)$/i.exec(word)?.[1];
  return !(stem !== undefined && syllables(stem) < 3);
}

/** Per-word facts the counts need, memoised for one text (many words repeat). */
export interface Lexicon {
  syllables: (word: string) => number;
  isDaleChallFamiliar: (word: string) => boolean;
  isSpacheFamiliar: (word: string) => boolean;
}

/** A fresh memoising lexicon; make one per text so nothing outlives the call. */
export function createLexicon(): Lexicon {
  const memo = <T>(f: (w: string) => T) => {
    const seen = new Map<string, T>();
    return (w: string) => {
      let v = seen.get(w);
      if (v === undefined) seen.set(w, (v = f(w)));
      return v;
    };
  };
  return {
    syllables: memo(syllables),
    isDaleChallFamiliar: memo(isDaleChallFamiliar),
    isSpacheFamiliar: memo(isSpacheFamiliar),
  };
}

/** Counts sentences, words, syllables, letters and word classes the way the formulas define them. */
export function countText(text: string): TextCounts {
  return countSentences(
    splitSentences(text).map((s) => words(s.text)),
    createLexicon(),
  );
}

/** Counts of an empty text: every field zero. */
export function emptyCounts(): TextCounts {
  return {
    sentence: 0,
    word: 0,
    syllable: 0,
    character: 0,
    letter: 0,
    polysillabicWord: 0,
    complexPolysillabicWord: 0,
    difficultWord: 0,
    unfamiliarWord: 0,
  };
}

/** `countText` on a text already split into sentences of words. */
export function countSentences(sentences: readonly string[][], lexicon: Lexicon): TextCounts {
  const counts = emptyCounts();
  const unfamiliar = new Set<string>();
  for (const list of sentences) {
    if (list.length === 0) continue;
    counts.sentence += 1;
    list.forEach((word, i) => {
      const n = lexicon.syllables(word);
      counts.word += 1;
      counts.syllable += n;
      counts.character += (word.match(/[\p{L}\p{N}]/gu) ?? []).length;
      counts.letter += (word.match(/\p{L}/gu) ?? []).length;
      if (n >= 3) counts.polysillabicWord += 1;
      if (isComplex(word, n, i === 0)) counts.complexPolysillabicWord += 1;
      // Numbers are not words a reader has to know, so neither list holds them against the text.
      if (!/\p{L}/u.test(word)) return;
      if (!lexicon.isDaleChallFamiliar(word)) counts.difficultWord += 1;
      if (!lexicon.isSpacheFamiliar(word)) unfamiliar.add(word.toLowerCase());
    });
  }
  counts.unfamiliarWord = unfamiliar.size;
  return counts;
}

// Flesch's own table from reading ease to school level; [lowest score, grade, label].
const FLESCH_TABLE: readonly [number, number, string][] = [
  [90, 5, 'grade 5'],
  [80, 6, 'grade 6'],
  [70, 7, 'grade 7'],
  [60, 8.5, 'grades 8–9'],
  [50, 11, 'grades 10–12'],
  [30, 14, 'college'],
  [-Infinity, 16, 'college graduate'],
];

/** The school level Flesch's table gives for a reading-ease score. */
export function fleschGrade(ease: number): { grade: number; label: string } {
  if (Number.isNaN(ease)) return { grade: NaN, label: '—' };
  const [, grade, label] = FLESCH_TABLE.find(([min]) => ease >= min) ?? FLESCH_TABLE[6];
  return { grade, label };
}

/** A grade number as a person would say it. */
export function gradeLabel(grade: number): string {
  if (Number.isNaN(grade)) return '—';
  if (grade < 1) return 'kindergarten';
  if (grade > 16) return 'postgraduate';
  if (grade > 12) return 'college';
  return `grade ${Math.round(grade)}`;
}

/** Every classic formula for a set of counts, with grade levels and meanings. */
export function formulasFromCounts(counts: TextCounts): FormulaResult[] {
  return FORMULA_IDS.map((id) => formula(id, counts));
}

/** Every classic formula for a text. */
export function formulas(text: string): FormulaResult[] {
  return formulasFromCounts(countText(text));
}

/** One formula's value, grade and meaning for a set of counts. */
export function formula(id: FormulaId, counts: TextCounts): FormulaResult {
  switch (id) {
    case 'flesch': {
      const value = flesch(counts);
      const { grade, label } = fleschGrade(value);
      return {
        id,
        name: 'Flesch reading ease',
        value,
        grade,
        gradeLabel: label,
        meaning:
          'Ease from 0 (very hard) to 100 (very easy), from sentence length and syllables per word.',
      };
    }
    case 'fleschKincaid':
      return graded(
        id,
        'Flesch–Kincaid grade',
        fleschKincaid(counts),
        'US grade from words per sentence and syllables per word.',
      );
    case 'automatedReadability':
      return graded(
        id,
        'Automated readability index',
        automatedReadability(counts),
        'US grade from characters per word and words per sentence.',
      );
    case 'colemanLiau':
      return graded(
        id,
        'Coleman–Liau index',
        colemanLiau(counts),
        'US grade from letters and sentences per 100 words.',
      );
    case 'smog':
      return graded(
        id,
        'SMOG grade',
        smogFormula(counts),
        'US grade from words of three or more syllables per 30 sentences.',
      );
    case 'daleChall': {
      const value = daleChallFormula(counts);
      const [low, high] = Number.isNaN(value) ? [NaN, NaN] : daleChallGradeLevel(value);
      return {
        id,
        name: 'New Dale–Chall score',
        value,
        grade: high === Infinity ? 16 : (low + high) / 2,
        gradeLabel: Number.isNaN(low)
          ? '—'
          : high === Infinity
            ? 'college graduate'
            : low === 0
              ? 'grade 4 or below'
              : `grades ${low}–${high}`,
        meaning: 'Score from the share of words outside 3,000 familiar ones and sentence length.',
      };
    }
    case 'gunningFog':
      return graded(
        id,
        'Gunning fog index',
        gunningFog(counts),
        'Years of schooling from sentence length and the share of complex words.',
      );
    case 'spache':
      return graded(
        id,
        'Spache grade',
        spacheFormula(counts),
        'Grade for early readers (grades 1–3) from sentence length and unfamiliar words.',
      );
  }
}

function graded(id: FormulaId, name: string, value: number, meaning: string): FormulaResult {
  return { id, name, value, grade: value, gradeLabel: gradeLabel(value), meaning };
}
