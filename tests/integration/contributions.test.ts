/**
 * Token contributions on a real-stack RoBERTa in Node (Engine.contribute), for a text that fits the
 * model and one read in overlapping windows (its max_position_embeddings is 66,
 * so the fixture's long text takes several windows):
 * - intercept plus the token terms equals the head applied to the windows' states pooled by plain
 *   float64 loops (tests/support/windowPooling): 1e-6;
 * - and the batch path's score for the same head (in-graph float32 pooling, windows combined by
 *   Engine.embed): 1e-5 relative;
 * - the words cover every token that is not special, and the words' sums, the special tokens' and
 *   the blanks' add up to the same score (1e-9).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECOMPOSABLE, type ContributionWindow } from '../../src/analysis/contributions.ts';
import { predictHead } from '../../src/analysis/head.ts';
import { wordValues } from '../../src/analysis/wordValues.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { batchPoolingFor, predictBatch } from '../../src/pipeline/scoring.ts';
import { randomRidgeHead } from '../support/heads.ts';
import { readRealStackReference } from '../support/realStack.ts';
import { splitScore, windowedFeatures } from '../support/windowPooling.ts';

const ref = readRealStackReference('roberta-mlm-ts14');
const short = ref.batches.find((b) => b.name === 'padded')!.texts[1];
const long = ref.batches.find((b) => b.name === 'long')!.texts[0];

let engine: Engine;
beforeAll(async () => {
  engine = await loadNodeEngine(await folderSource(ref.dir), { threads: 1 });
});
afterAll(() => engine?.release());

describe.each(DECOMPOSABLE.map((s) => [s]))('%s head on roberta-mlm-ts14', (strategy) => {
  it.each([
    ['one window', short, 1],
    ['overlapping windows', long, 2],
  ] as const)('%s: intercept plus token terms is the head’s score', async (_, text, minWindows) => {
    const head = randomRidgeHead({
      modelId: ref.name,
      dtype: 'fp32',
      hidden: ref.hidden,
      strategy,
      layer: ref.layers,
      seed: 11,
      bias: -0.7,
    });
    const windows: ContributionWindow[] = [];
    const c = await engine.contribute(text, head, (w) => windows.push(w));
    expect(c.windows).toBe(windows.length);
    expect(c.windows).toBeGreaterThanOrEqual(minWindows);
    expect(c.tokens).toHaveLength(engine.tokenIds(text).length);

    const split = splitScore(c);
    const reference = predictHead(head, windowedFeatures(head, windows))[0];
    expect(Math.abs(split - reference)).toBeLessThan(1e-6);

    const batch = await engine.embed([text], batchPoolingFor(head));
    expect(batch.windows[0]).toBe(c.windows);
    const score = predictBatch(head, batch)[0];
    expect(Math.abs(split - score) / Math.max(1, Math.abs(score))).toBeLessThan(1e-5);

    // Words: every non-special token in exactly one word, in order; the sums add up.
    const owner = new Int32Array(c.ids.length).fill(-1);
    c.words.forEach((w, i) => {
      for (let t = w.first; t <= w.last; t++) {
        expect(owner[t]).toBe(-1);
        owner[t] = i;
      }
    });
    owner.forEach((o, t) => expect(o >= 0).toBe(!c.special[t]));
    const words = wordValues(text, c.words, c.special, c.tokens);
    expect(words.fromInput).toBe(true);
    const total = words.words.reduce(
      (s, w) => s + w.value,
      c.intercept + words.special + words.blank,
    );
    expect(Math.abs(total - split)).toBeLessThan(1e-9);
  });
});

it('refuses a CLS head with a sentence, and the engine goes on working', async () => {
  const head = randomRidgeHead({
    modelId: ref.name,
    dtype: 'fp32',
    hidden: ref.hidden,
    strategy: 'cls',
    layer: ref.layers,
    seed: 3,
  });
  await expect(engine.contribute(short, head)).rejects.toThrow(/no exact split over tokens/);
  const mean = { ...head, strategy: 'mean' as const };
  expect((await engine.contribute(short, mean)).windows).toBe(1);
});
