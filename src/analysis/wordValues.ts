/**
 * Per-token values (a head's contributions) summed to words and placed on the user's own text.
 *
 * The tokenizer's words come decoded (lower case and without accents for an uncased model, with
 * UNREAD where it could not read a character), so each is looked for in the text after the
 * previous one, comparing case- and accent-folded letters, ignoring whitespace, and letting each
 * UNREAD stand for a few characters. A word that cannot be found
 * takes the stretch of text between its found neighbours; if there is none to take, the split is
 * shown on the decoded words instead, so no token's value is ever dropped.
 */

/** Stands in a word's text for what the tokenizer could not read (its unknown token). */
export const UNREAD = '\uFFFD';

/** A word as the tokenizer grouped it: decoded text and its tokens (inclusive). */
export interface WordTokens {
  text: string;
  first: number;
  last: number;
}

/** One word's share of the score, with where it sits in `WordSplit.text`. */
export interface WordValue {
  start: number;
  end: number;
  value: number;
  /** Tokens the word is made of. */
  tokens: number;
}

export interface WordSplit {
  /** The string the spans index: the user's text, or the decoded words when they could not be placed on it. */
  text: string;
  fromInput: boolean;
  /** In text order; several of the tokenizer's words may share one span (see above). */
  words: WordValue[];
  /** Sum over special tokens (<s>, [CLS], [SEP], …): they are read and pooled like any token. */
  special: number;
  /** Sum over tokens that decode to whitespace only (line breaks, runs of spaces). */
  blank: number;
}

/** Case- and accent-folded, whitespace-free copy of `text` with each character's source index. */
function folded(text: string): { chars: string; at: number[] } {
  let chars = '';
  const at: number[] = [];
  let i = 0;
  for (const c of text) {
    if (!/\s/u.test(c)) {
      const f = fold(c);
      chars += f;
      for (let j = 0; j < f.length; j++) at.push(i);
    }
    i += c.length;
  }
  return { chars, at };
}

const fold = (s: string) =>
  s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s/gu, '');

/** How far past the previous word a word is looked for, beyond its own length (folded characters). */
const LOOKAHEAD = 64;
/** Most characters one unknown token may stand for. */
const UNREAD_SPAN = 8;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where `needle` next occurs in `chars` from `from`; an UNREAD in it matches 1 to UNREAD_SPAN
 * characters, so "caf\uFFFD" finds "café" and "\uFFFDon\uFFFDt" finds "don't".
 */
function find(chars: string, needle: string, from: number): { at: number; length: number } | null {
  if (!needle.includes(UNREAD)) {
    const at = chars.indexOf(needle, from);
    return at < 0 ? null : { at, length: needle.length };
  }
  if (!needle.replaceAll(UNREAD, '')) return null; // nothing but unknown tokens: no anchor
  const pattern = needle.split(UNREAD).map(escape).join(`.{1,${UNREAD_SPAN}}?`);
  const re = new RegExp(pattern, 'gsu');
  re.lastIndex = from;
  const m = re.exec(chars);
  return m ? { at: m.index, length: m[0].length } : null;
}

/**
 * Sums `values` (one per token) over `words` and places each word on `text`. Tokens marked in
 * `special` belong to no word; every other token belongs to exactly one.
 */
export function wordValues(
  text: string,
  words: readonly WordTokens[],
  special: ArrayLike<number>,
  values: ArrayLike<number>,
): WordSplit {
  let specialSum = 0;
  for (let t = 0; t < values.length; t++) if (special[t]) specialSum += values[t];
  let blank = 0;
  const real: { needle: string; value: number; tokens: number; text: string }[] = [];
  for (const w of words) {
    let value = 0;
    for (let t = w.first; t <= w.last; t++) value += values[t];
    const needle = fold(w.text);
    if (!needle) blank += value;
    else real.push({ needle, value, tokens: w.last - w.first + 1, text: w.text });
  }

  const { chars, at } = folded(text);
  const end = (i: number) => at[i] + (text.codePointAt(at[i])! > 0xffff ? 2 : 1);
  const placed: WordValue[] = [];
  let cursor = 0;
  let pending: typeof real = [];
  const settle = (to: number): boolean => {
    // Words not found take the text between their neighbours, together.
    if (!pending.length) return true;
    if (to <= cursor) return false;
    placed.push({
      start: at[cursor],
      end: end(to - 1),
      value: pending.reduce((s, w) => s + w.value, 0),
      tokens: pending.reduce((s, w) => s + w.tokens, 0),
    });
    pending = [];
    return true;
  };
  let ok = true;
  for (const w of real) {
    const hit = find(chars, w.needle, cursor);
    if (!hit || hit.at - cursor > LOOKAHEAD + w.needle.length) {
      pending.push(w);
      continue;
    }
    if (!settle(hit.at)) {
      ok = false;
      break;
    }
    placed.push({
      start: at[hit.at],
      end: end(hit.at + hit.length - 1),
      value: w.value,
      tokens: w.tokens,
    });
    cursor = hit.at + hit.length;
  }
  if (ok) ok = settle(chars.length);
  if (ok) return { text, fromInput: true, words: placed, special: specialSum, blank };

  // The decoded words, one space apart.
  let shown = '';
  const decoded = real.map((w) => {
    if (shown) shown += ' ';
    const start = shown.length;
    shown += w.text;
    return { start, end: shown.length, value: w.value, tokens: w.tokens };
  });
  return { text: shown, fromInput: false, words: decoded, special: specialSum, blank };
}
