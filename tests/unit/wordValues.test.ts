/**
 * Words placed on the user's text: folded matching (case, accents, whitespace), words the
 * tokenizer could not read taking the gap between their neighbours, the decoded fallback when
 * there is no gap, and every token's value ending up in exactly one of words, specials or blanks.
 */
import { describe, expect, it } from 'vitest';
import { UNREAD, wordValues, type WordTokens } from '../../src/analysis/wordValues.ts';

/** Words of one token each, after a leading special token, with a closing special token. */
function oneTokenWords(texts: string[]): { words: WordTokens[]; special: number[] } {
  return {
    words: texts.map((text, i) => ({ text, first: i + 1, last: i + 1 })),
    special: [1, ...texts.map(() => 0), 1],
  };
}

const total = (values: number[]) => values.reduce((s, v) => s + v, 0);
const spanTexts = (r: ReturnType<typeof wordValues>) =>
  r.words.map((w) => r.text.slice(w.start, w.end));

describe('wordValues', () => {
  it('places decoded words on the text, ignoring case, accents and spacing', () => {
    const text = 'Zoë’s  Café\n\nopened — at 9:30!';
    const { words, special } = oneTokenWords([
      'zoe',
      '’s',
      'cafe',
      'opened',
      '—',
      'at',
      '9:30',
      '!',
    ]);
    const values = [0.5, 1, 2, 3, 4, 5, 6, 7, 8, -0.25];
    const r = wordValues(text, words, special, values);
    expect(r.fromInput).toBe(true);
    expect(r.text).toBe(text);
    expect(spanTexts(r)).toEqual(['Zoë', '’s', 'Café', 'opened', '—', 'at', '9:30', '!']);
    expect(r.words.map((w) => w.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.special).toBe(0.25);
    expect(total(r.words.map((w) => w.value)) + r.special + r.blank).toBe(total(values));
  });

  it('sums a word’s sub-word tokens', () => {
    const r = wordValues(
      'unbelievable tales',
      [
        { text: 'unbelievable', first: 0, last: 2 },
        { text: 'tales', first: 3, last: 4 },
      ],
      [0, 0, 0, 0, 0],
      [1, 2, 3, 4, 5],
    );
    expect(r.words.map((w) => [w.value, w.tokens])).toEqual([
      [6, 3],
      [9, 2],
    ]);
  });

  it('gives words it cannot find the text between their found neighbours', () => {
    const text = 'I like 🙂🙂 and ☕ a lot';
    const { words, special } = oneTokenWords([
      'i',
      'like',
      '[UNK]',
      '[UNK]',
      'and',
      '[UNK]',
      'a',
      'lot',
    ]);
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0];
    const r = wordValues(text, words, special, values);
    expect(r.fromInput).toBe(true);
    expect(spanTexts(r)).toEqual(['I', 'like', '🙂🙂', 'and', '☕', 'a', 'lot']);
    expect(r.words.map((w) => w.value)).toEqual([1, 2, 7, 5, 6, 7, 8]);
  });

  it('lets an unknown token inside a word stand for the characters it could not read', () => {
    const text = 'Don’t panic: Zoë’s café';
    const u = UNREAD;
    const { words, special } = oneTokenWords([`${u}on${u}t`, 'panic:', `${u}o${u}s`, `caf${u}`]);
    const r = wordValues(text, words, special, [0, 1, 2, 3, 4, 0]);
    expect(r.fromInput).toBe(true);
    expect(spanTexts(r)).toEqual(['Don’t', 'panic:', 'Zoë’s', 'café']);
  });

  it('does not let a word jump far ahead to a later occurrence', () => {
    // "cat" cannot be found next; the next "cat" is beyond the look-ahead, so the unread words
    // take the gap up to "sat" rather than "cat" skipping the text between.
    const filler = ' x'.repeat(80);
    const text = `the ☃ sat${filler} cat`;
    const texts = ['the', 'cat', 'sat', ...Array.from({ length: 80 }, () => 'x'), 'cat'];
    const { words, special } = oneTokenWords(texts);
    const r = wordValues(text, words, special, [0, ...texts.map(() => 1), 0]);
    expect(r.fromInput).toBe(true);
    expect(spanTexts(r).slice(0, 3)).toEqual(['the', '☃', 'sat']);
  });

  it('falls back to the decoded words when an unread word has no gap to take', () => {
    const { words, special } = oneTokenWords(['hello', '[UNK]', 'world']);
    const r = wordValues('hello world', words, special, [0, 1, 2, 3, 0]);
    expect(r.fromInput).toBe(false);
    expect(r.text).toBe('hello [UNK] world');
    expect(spanTexts(r)).toEqual(['hello', '[UNK]', 'world']);
    expect(r.words.map((w) => w.value)).toEqual([1, 2, 3]);
  });

  it('keeps whitespace-only tokens’ values as blanks', () => {
    const r = wordValues(
      'a\n\nb',
      [
        { text: 'a', first: 0, last: 0 },
        { text: '', first: 1, last: 1 },
        { text: 'b', first: 2, last: 2 },
      ],
      [0, 0, 0],
      [1, 0.5, 2],
    );
    expect(r.blank).toBe(0.5);
    expect(spanTexts(r)).toEqual(['a', 'b']);
  });

  it('handles characters outside the basic plane', () => {
    const text = '𝔸 cat';
    const { words, special } = oneTokenWords(['a', 'cat']); // NFKD folds 𝔸 to A
    const r = wordValues(text, words, special, [0, 1, 2, 0]);
    expect(spanTexts(r)).toEqual(['𝔸', 'cat']);
  });
});
