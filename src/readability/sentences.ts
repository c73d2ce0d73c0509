/** A sentence of a text, with its offsets into the original string. */
export interface Sentence {
  /** The sentence as it appears in the text, trimmed. */
  text: string;
  /** Offset of its first character in the original text. */
  start: number;
  /** Offset just past its last character in the original text. */
  end: number;
}

/** One sentence's contribution to a text's score; positive `hardness` means it makes the text harder. */
export interface SentenceContribution extends Sentence {
  /** Position of the sentence in the text. */
  index: number;
  /** How much harder the text is because of this sentence, in score units (higher = harder). */
  hardness: number;
}

/** How a sentence's contribution is measured. */
export type ContributionMode = 'leave-one-out' | 'alone';

/** Scores a text; higher means easier, as on the CommonLit scale. */
export type ScoreFn = (text: string) => number | Promise<number>;

/** Scores many texts in one call (one batch on an encoder), in order; higher means easier. */
export type ScoreManyFn = (texts: string[]) => Promise<ArrayLike<number>>;

// Abbreviations whose full stop does not end a sentence; lower case, without the stop.
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'jr',
  'sr',
  'prof',
  'rev',
  'gen',
  'col',
  'capt',
  'lt',
  'sgt',
  'mt',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
  'vol',
  'fig',
  'approx',
  'inc',
  'co',
  'ltd',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

// A terminator run, the closing quotes or brackets that belong to it, and the space after it.
const BOUNDARY = /([.!?…]+)(["'”’)\]]*)(?=\s|$)|\n/g;

/** Splits a text into sentences at terminators and line breaks, keeping offsets into the text. */
export function splitSentences(text: string): Sentence[] {
  const sentences: Sentence[] = [];
  let from = 0;
  const push = (end: number) => {
    const raw = text.slice(from, end);
    const lead = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    if (/[\p{L}\p{N}]/u.test(trimmed)) {
      sentences.push({ text: trimmed, start: from + lead, end: from + lead + trimmed.length });
    }
    from = end;
  };
  for (const match of text.matchAll(BOUNDARY)) {
    const end = match.index + match[0].length;
    if (match[0] !== '\n' && continues(text, match.index, end, match[1])) continue;
    push(end);
  }
  push(text.length);
  return sentences;
}

// A lower-case word after the terminator continues the sentence ("Stop!" she said.), and so does
// an abbreviation's full stop.
function continues(text: string, at: number, end: number, terminator: string): boolean {
  if (/^\s*\p{Ll}/u.test(text.slice(end, end + 40))) return true;
  return terminator === '.' && isAbbreviation(text, at);
}

// A full stop after a known abbreviation or a single capital (an initial) does not end a sentence.
function isAbbreviation(text: string, dot: number): boolean {
  const word = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, dot - 12), dot))?.[1] ?? '';
  return ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word);
}

/** The text with one sentence cut out, keeping the rest as written. */
export function withoutSentence(text: string, sentence: Sentence): string {
  return (text.slice(0, sentence.start) + text.slice(sentence.end)).trim();
}

/**
 * Each sentence's contribution to `scoreFn(text)`, hardest first: leave-one-out is
 * score(text without it) − score(text); alone is score(text) − score(sentence by itself).
 */
export function contributions(
  text: string,
  scoreFn: ScoreFn,
  mode: ContributionMode = 'leave-one-out',
): Promise<SentenceContribution[]> {
  return contributionsOfBatch(text, (texts) => Promise.all(texts.map(scoreFn)), mode);
}

/** `contributions` with the text and every variant of it scored in one `scoreMany` call. */
export async function contributionsOfBatch(
  text: string,
  scoreMany: ScoreManyFn,
  mode: ContributionMode = 'leave-one-out',
): Promise<SentenceContribution[]> {
  const sentences = splitSentences(text);
  // With one sentence there is nothing to leave out: it carries the whole score, so no contrast.
  if (sentences.length < 2) return sentences.map((s, index) => ({ ...s, index, hardness: 0 }));
  const variants = sentences.map((s) => (mode === 'alone' ? s.text : withoutSentence(text, s)));
  const scores = await scoreMany([text, ...variants]);
  const full = scores[0];
  return sentences
    .map((s, index) => ({
      ...s,
      index,
      hardness: mode === 'alone' ? full - scores[index + 1] : scores[index + 1] - full,
    }))
    .sort((a, b) => b.hardness - a.hardness || a.index - b.index);
}
