/**
 * Every layer's attention probabilities, found by structure and exposed by the rewrite, against
 * PyTorch's `output_attentions=True` on the real-stack folders (fp32; eager attention), 1e-4 on
 * every real query and key of every head. Padded keys are compared too: both give them ~0.
 */
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTENTIONS, HIDDEN_STATES, rewriteForHiddenStates } from '../../src/engine/graph.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { listRealStackFolders, readRealStackReference } from '../support/realStack.ts';

const TOLERANCE = 1e-4;
const FOLDERS = listRealStackFolders()
  .map(readRealStackReference)
  .filter((r) => r.dtypes.fp32 && r.tensors['torch/padded/attentions']);

describe.each(FOLDERS.map((r) => [r.name, r] as const))('%s', (_, ref) => {
  it(`attention probabilities match PyTorch's to ${TOLERANCE}`, async () => {
    const model = readFileSync(join(ref.dir, ref.dtypes.fp32!.file));
    const rewritten = rewriteForHiddenStates(model, { pooling: false, attentions: true });
    expect(rewritten.outputs).toEqual([HIDDEN_STATES, ATTENTIONS]);
    const session = await ort.InferenceSession.create(rewritten.bytes);
    try {
      for (const batch of ref.batches.filter((b) => ref.tensors[`torch/${b.name}/attentions`])) {
        const dims = [batch.input_ids.length, batch.input_ids[0].length];
        const feed = (rows: number[][]) =>
          new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), dims);
        const feeds: Record<string, ort.Tensor> = {};
        for (const name of session.inputNames) {
          if (name === 'input_ids') feeds[name] = feed(batch.input_ids);
          else if (name === 'attention_mask') feeds[name] = feed(batch.attention_mask);
          else
            feeds[name] = feed(batch.token_type_ids ?? batch.input_ids.map((r) => r.map(() => 0)));
        }
        const out = await session.run(feeds, [ATTENTIONS]);
        const want = ref.tensor(`torch/${batch.name}/attentions`);
        expect(out[ATTENTIONS].dims).toEqual(want.dims);
        const got = out[ATTENTIONS].data as Float32Array;
        const [layers, count, heads, seq] = want.dims;
        let worst = 0;
        for (let l = 0; l < layers; l++)
          for (let b = 0; b < count; b++)
            for (let h = 0; h < heads; h++)
              for (let q = 0; q < seq; q++) {
                if (batch.attention_mask[b][q] !== 1) continue; // padded queries: undefined rows
                for (let k = 0; k < seq; k++) {
                  const at = (((l * count + b) * heads + h) * seq + q) * seq + k;
                  worst = Math.max(worst, Math.abs(got[at] - want.data[at]));
                }
              }
        expect(worst, batch.name).toBeLessThan(TOLERANCE);
      }
    } finally {
      await session.release();
    }
  });
});

it('a batch rewrite does not compute attention', () => {
  const ref = readRealStackReference('roberta-mlm-ts14');
  const model = readFileSync(join(ref.dir, ref.dtypes.fp32!.file));
  const batch = rewriteForHiddenStates(model, { pooling: true });
  expect(batch.outputs).not.toContain(ATTENTIONS);
});

describe.each(['roberta-mlm-ts14', 'bert-fe-ts14'])('Engine.attend on %s', (name) => {
  it(`returns the short text's attention as PyTorch computes it (${TOLERANCE})`, async () => {
    const ref = readRealStackReference(name);
    const engine = await loadNodeEngine(await folderSource(ref.dir), { threads: 1 });
    try {
      const short = ref.batches.find((b) => b.name === 'short')!;
      const got = await engine.attend(short.texts[0]);
      const want = ref.tensor('torch/short/attentions'); // [layers, 1, heads, T, T]
      expect(got.ids).toEqual(short.input_ids[0]);
      expect([got.layers, 1, got.heads, got.ids.length, got.ids.length]).toEqual(want.dims);
      let worst = 0;
      want.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(got.attentions[i] - v))));
      expect(worst).toBeLessThan(TOLERANCE);
      // The batch session is untouched: it still encodes as before.
      expect((await engine.encode(short.texts[0])).ids).toEqual(got.ids);
    } finally {
      await engine.release();
    }
  });
});
