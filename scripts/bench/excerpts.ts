/**
 * CommonLit-length excerpts for the benchmark, generated deterministically: sentences of the
 * fixture corpus (plain English written for this project) drawn by a seeded generator until each
 * excerpt reaches its word target, 135–205 words like CommonLit's.
 */
import { CORPUS } from '../fixtures/corpus.ts';
import { makeRng } from '../../src/analysis/rng.ts';

/** CommonLit excerpts run from about 135 to 205 words. */
export const EXCERPT_WORDS = { min: 135, max: 205 } as const;

/** A small seeded generator (mulberry32), so every run scores the same texts. */
export const seededRandom = makeRng;

const SENTENCES = CORPUS.replace(/\s+/g, ' ')
  .split(/(?<=[.!?])\s+(?=[A-Z])/)
  .map((s) => s.trim())
  .filter(Boolean);

const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** `count` excerpts of 135–205 words each; the same `seed` always gives the same texts. */
export function makeExcerpts(count: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const excerpts: string[] = [];
  for (let i = 0; i < count; i++) {
    const target =
      EXCERPT_WORDS.min + Math.floor(random() * (EXCERPT_WORDS.max - EXCERPT_WORDS.min + 1));
    const picked: string[] = [];
    let words = 0;
    while (words < target) {
      const sentence = SENTENCES[Math.floor(random() * SENTENCES.length)];
      picked.push(sentence);
      words += wordCount(sentence);
    }
    // Trim the last sentence so the excerpt lands on its target, ending with a full stop.
    const all = picked.join(' ').split(/\s+/).slice(0, target);
    excerpts.push(
      all
        .join(' ')
        .replace(/[,;:]?$/, '.')
        .replace(/([.!?])\.$/, '$1'),
    );
  }
  return excerpts;
}

/** A short text every run embeds last, so runtimes can be compared on the same result. */
export function probeText(words = 40): string {
  return makeExcerpts(1)[0].split(/\s+/).slice(0, words).join(' ');
}
