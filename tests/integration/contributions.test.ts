/**
 * Token contributions on a real-stack RoBERTa in Node: the encoder's own states of a text, split
 * by tokenContributions, sum (with the intercept) to the score the batch path gives for the same
 * head (in-graph pooling, float32): 1e-5 relative.
 */
import { describe, expect, it } from 'vitest';
import { tokenContributions } from '../../src/analysis/contributions.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { batchPoolingFor, predictBatch } from '../../src/pipeline/scoring.ts';
import { randomRidgeHead } from '../support/heads.ts';
import { readRealStackReference } from '../support/realStack.ts';

describe.each(['mean', 'max', 'mean-max'] as const)('%s head on roberta-mlm-ts14', (strategy) => {
  it('intercept plus token terms equals the batch path’s score', async () => {
    const ref = readRealStackReference('roberta-mlm-ts14');
    const engine = await loadNodeEngine(await folderSource(ref.dir), { threads: 1 });
    try {
      const text = ref.batches.find((b) => b.name === 'padded')!.texts[1];
      const encoded = await engine.encode(text);
      const head = randomRidgeHead({
        modelId: ref.name,
        dtype: 'fp32',
        hidden: ref.hidden,
        strategy,
        layer: ref.layers,
        seed: 11,
        bias: -0.7,
      });
      const states = {
        data: encoded.states,
        layers: encoded.layers,
        tokens: encoded.ids.length,
        hidden: encoded.hidden,
        mask: new Uint8Array(encoded.ids.length).fill(1),
      };
      const c = tokenContributions(head, [{ states, offset: 0 }], encoded.ids.length);
      const split = c.tokens.reduce((s, v) => s + v, c.intercept);
      const batch = await engine.embed([text], batchPoolingFor(head));
      const score = predictBatch(head, batch)[0];
      expect(Math.abs(split - score) / Math.max(1, Math.abs(score))).toBeLessThan(1e-5);
    } finally {
      await engine.release();
    }
  });
});
