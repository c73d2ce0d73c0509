/**
 * Words of every tokenizer family the real-stack fixtures hold (WordPiece cased and uncased,
 * byte-level BPE, SentencePiece BPE and Unigram), read through Engine.contribute on a text with
 * capitals, accents, contractions, digits, a line break, CJK and an emoji: every token that is not
 * special sits in exactly one word, in order; each word is placed on the user's text (nothing
 * falls back to decoded text) where its folded letters are, never cutting through a run of letters;
 * and words, specials and blanks add up to the split score.
 */
import { describe, expect, it } from 'vitest';
import { UNREAD, wordValues } from '../../src/analysis/wordValues.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { randomRidgeHead } from '../support/heads.ts';
import { readRealStackReference } from '../support/realStack.ts';
import { splitScore } from '../support/windowPooling.ts';

const FOLDERS = [
  'bert-fe-ts14',
  'albert-fe-ts14',
  'deberta-fe-ts14',
  'distilbert-fe-ts14',
  'electra-fe-ts14',
  'modernbert-fe-ts14',
  'mpnet-fe-ts14',
  'roberta-mlm-ts14',
  'xlmr-mlm-ts14',
];

const TEXT =
  "Don't panic: Zoë's café opened at 9:30 in São Paulo.\n\nThe river ran past the old mill, 東京 🙂 every morning!";

const fold = (s: string) =>
  s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s/gu, '');

describe.each(FOLDERS.map((f) => [f]))('%s', (folder) => {
  it('groups tokens into words placed on the text, and the values add up', async () => {
    const ref = readRealStackReference(folder);
    const engine = await loadNodeEngine(await folderSource(ref.dir), { threads: 1 });
    try {
      const head = randomRidgeHead({
        modelId: ref.name,
        dtype: 'fp32',
        hidden: ref.hidden,
        strategy: 'mean',
        layer: ref.layers,
        seed: 5,
      });
      const c = await engine.contribute(TEXT, head);
      const owner = new Int32Array(c.ids.length).fill(-1);
      let last = -1;
      c.words.forEach((w, i) => {
        expect(w.first).toBe(last + 1 + countSpecial(c.special, last + 1, w.first));
        for (let t = w.first; t <= w.last; t++) owner[t] = i;
        last = w.last;
      });
      owner.forEach((o, t) => expect(o >= 0, `token ${t}`).toBe(!c.special[t]));

      const r = wordValues(TEXT, c.words, c.special, c.tokens);
      expect(r.fromInput).toBe(true);
      // Each placed span of a word read wholly holds that word's letters; words with unknown
      // tokens in them are placed around their known letters or take the text between their
      // neighbours.
      const readable = c.words.filter((w) => fold(w.text) && !w.text.includes(UNREAD));
      // The fixtures' small vocabularies leave some words unread: at least half are readable.
      expect(readable.length).toBeGreaterThan(c.words.length / 2);
      const spans = r.words.map((w) => fold(TEXT.slice(w.start, w.end)));
      for (const w of readable) expect(spans.some((s) => s === fold(w.text))).toBe(true);
      // A word never cuts through a run of letters or digits: sub-words are summed, not shown.
      const isWordChar = (i: number) => i >= 0 && i < TEXT.length && /[\p{L}\p{N}]/u.test(TEXT[i]);
      for (const w of r.words) {
        expect(isWordChar(w.start - 1) && isWordChar(w.start), TEXT.slice(w.start)).toBe(false);
        expect(isWordChar(w.end - 1) && isWordChar(w.end), TEXT.slice(0, w.end)).toBe(false);
      }
      const total = r.words.reduce((s, w) => s + w.value, c.intercept + r.special + r.blank);
      expect(Math.abs(total - splitScore(c))).toBeLessThan(1e-9);
    } finally {
      await engine.release();
    }
  });
});

/** Special tokens between two positions (a word never starts right after one without them). */
function countSpecial(special: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let t = from; t < to; t++) n += special[t];
  return n;
}
