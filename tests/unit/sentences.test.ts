import { describe, expect, it } from 'vitest';
import {
  contributions,
  contributionsOfBatch,
  splitSentences,
  withoutSentence,
} from '../../src/readability/sentences.ts';

describe('splitSentences', () => {
  it.each([
    ['One. Two! Three?', ['One.', 'Two!', 'Three?']],
    ['"Stop!" she said. He did.', ['"Stop!" she said.', 'He did.']],
    ['Mr. Smith met Dr. J. Watson. They talked.', ['Mr. Smith met Dr. J. Watson.', 'They talked.']],
    ['It cost 3.50 dollars. Cheap.', ['It cost 3.50 dollars.', 'Cheap.']],
    ['A title\nThe first line of text.', ['A title', 'The first line of text.']],
    ['No stop at the end', ['No stop at the end']],
    ['Wait... what? Wait... Why?', ['Wait... what?', 'Wait...', 'Why?']],
    ['  \n ... \n', []],
  ])('splits %j', (text, expected) => {
    expect(splitSentences(text).map((s) => s.text)).toEqual(expected);
  });

  it('keeps offsets into the original text', () => {
    const text = '  First one.   Second one!\n\nThird.';
    for (const s of splitSentences(text)) expect(text.slice(s.start, s.end)).toBe(s.text);
  });

  it('cuts one sentence out', () => {
    const text = 'One. Two. Three.';
    expect(withoutSentence(text, splitSentences(text)[1])).toBe('One.  Three.');
  });
});

describe('contributions', () => {
  // Easier = fewer long words: a stand-in score function that is easy to work by hand.
  // Photosynthesis, transforms, luminous: three long words, all in the middle sentence.
  const score = (text: string) => -(text.match(/\b\w{8,}\b/g) ?? []).length;
  const text = 'The dog ran. Photosynthesis transforms luminous energy. The cat sat.';

  it('puts the sentence whose removal raises the score most first', async () => {
    const result = await contributions(text, score);
    expect(result.map((c) => c.index)).toEqual([1, 0, 2]);
    expect(result[0]).toMatchObject({
      text: 'Photosynthesis transforms luminous energy.',
      hardness: 3,
    });
    expect(result[1].hardness).toBe(0);
  });

  it('scores sentences alone, against the whole text', async () => {
    const result = await contributions(text, score, 'alone');
    expect(result[0]).toMatchObject({ index: 1, hardness: 0 });
    expect(result[2].hardness).toBe(-3);
  });

  it('accepts an async score function, as the encoder head will be', async () => {
    const result = await contributions(text, async (t) => score(t));
    expect(result[0].index).toBe(1);
  });

  it('scores the text and every variant in one batch, as the encoder does, with the same result', async () => {
    const batches: string[][] = [];
    const scoreMany = (texts: string[]) => {
      batches.push(texts);
      return Promise.resolve(Float64Array.from(texts, score));
    };
    for (const mode of ['leave-one-out', 'alone'] as const) {
      expect(await contributionsOfBatch(text, scoreMany, mode)).toEqual(
        await contributions(text, score, mode),
      );
    }
    expect(batches.map((b) => b.length)).toEqual([4, 4]);
    expect(batches[0][0]).toBe(text);
    expect(batches[0][2]).toBe('The dog ran.  The cat sat.');
  });

  it('gives a single sentence no contrast', async () => {
    expect(await contributions('Just one.', score)).toEqual([
      { text: 'Just one.', start: 0, end: 9, index: 0, hardness: 0 },
    ]);
  });
});
