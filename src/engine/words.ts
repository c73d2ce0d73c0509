/**
 * A text's tokens grouped into the words the tokenizer read, found by decoding rather than by
 * the vocabulary's markers (Ġ, ▁, ##), so every tokenizer family is handled alike: a token starts
 * a new word when decoding it after the word so far adds text that begins with whitespace.
 * transformers.js's tokenizers give no character offsets, hence this.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { UNREAD } from '../analysis/wordValues.ts';

/** One word: its decoded text and the tokens that make it (inclusive). */
export interface TokenWord {
  /**
   * Decoded as the tokenizer decodes it (an uncased model's is lower case), trimmed; U+FFFD
   * stands where the unknown token ([UNK], <unk>) is, for text the tokenizer could not read.
   */
  text: string;
  first: number;
  last: number;
}

export interface TokenWords {
  /** Every token that is not a special token belongs to exactly one word, in order. */
  words: TokenWord[];
  /** 1 where the token is a special token (<s>, [CLS], [SEP], …; not the unknown token), which no word holds. */
  special: Uint8Array;
}

/** Longest run of tokens one word may hold: a run with no space in it is cut (decoding is quadratic). */
export const MAX_WORD_TOKENS = 32;

/** Groups `ids` (a whole text, special tokens included) into words. */
export function tokenWords(tokenizer: PreTrainedTokenizer, ids: readonly number[]): TokenWords {
  // The unknown token stands for text the tokenizer could not read: it belongs to a word.
  const specialIds = new Set(
    tokenizer.all_special_ids.filter((id) => id !== tokenizer.unk_token_id),
  );
  const special = Uint8Array.from(ids, (id) => (specialIds.has(id) ? 1 : 0));
  const decode = (from: number, to: number) => tokenizer.decode(ids.slice(from, to + 1));
  const words: TokenWord[] = [];
  let first = -1;
  let decoded = '';
  const unknown = tokenizer.unk_token;
  const close = (last: number) => {
    if (first >= 0) {
      const text = decoded.trim();
      words.push({ text: unknown ? text.split(unknown).join(UNREAD) : text, first, last });
    }
    first = -1;
  };
  const open = (i: number) => {
    first = i;
    decoded = decode(i, i);
  };
  for (let i = 0; i < ids.length; i++) {
    if (special[i]) {
      close(i - 1);
      continue;
    }
    if (first < 0 || i - first >= MAX_WORD_TOKENS) {
      close(i - 1);
      open(i);
      continue;
    }
    const longer = decode(first, i);
    // A byte-level BPE word whose last token ended inside a character decodes differently once
    // the character is complete: that is the same word going on.
    const added = longer.startsWith(decoded) ? longer.slice(decoded.length) : '';
    if (/^\s/u.test(added)) {
      close(i - 1);
      open(i);
    } else decoded = longer;
  }
  close(ids.length - 1);
  return { words, special };
}
