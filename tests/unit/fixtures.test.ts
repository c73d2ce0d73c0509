import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteSymbols, trainBpe } from '../../scripts/fixtures/bpe.ts';
import { buildFixture } from '../../scripts/fixtures/build.ts';
import { CORPUS } from '../../scripts/fixtures/corpus.ts';
import { makeWeights } from '../../scripts/fixtures/weights.ts';
import { FIXTURE_NAMES, ROBERTA_VOCAB_SIZE, fixtureSpec } from '../../scripts/fixtures/spec.ts';
import { erf, oracleForward } from '../oracle/forward.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'public', 'models');
const MAX_MODEL_BYTES = 1 << 20;

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('committed fixtures', () => {
  it.each(FIXTURE_NAMES)('%s regenerates byte for byte', (name) => {
    const files = buildFixture(name);
    const dir = join(MODELS, name);
    expect(listFiles(dir)).toEqual([...files.keys()].sort());
    for (const [path, bytes] of files) {
      const committed = new Uint8Array(readFileSync(join(dir, path)));
      expect(committed.length, path).toBe(bytes.length);
      expect(
        Buffer.compare(committed, bytes),
        `${name}/${path} differs: run npm run fixtures`,
      ).toBe(0);
    }
    expect(files.get('onnx/model.onnx')?.length).toBeLessThan(MAX_MODEL_BYTES);
  });
});

describe('byte-level BPE trainer', () => {
  it('holds specials, all 256 byte symbols and <mask> last', () => {
    const { vocab, merges } = trainBpe(CORPUS, ROBERTA_VOCAB_SIZE);
    expect(vocab.size).toBe(ROBERTA_VOCAB_SIZE);
    expect([vocab.get('<s>'), vocab.get('<pad>'), vocab.get('</s>'), vocab.get('<unk>')]).toEqual([
      0, 1, 2, 3,
    ]);
    expect(vocab.get('<mask>')).toBe(ROBERTA_VOCAB_SIZE - 1);
    for (const s of byteSymbols()) expect(vocab.has(s)).toBe(true);
    expect(merges[0]).toEqual(['Ġ', 't']);
  });
});

describe('seeded weights', () => {
  it('are identical across calls and differ across fixtures', () => {
    const a = makeWeights(fixtureSpec('roberta-tiny')).get(
      'encoder.layer.0.attention.self.query.weight',
    );
    const b = makeWeights(fixtureSpec('roberta-tiny')).get(
      'encoder.layer.0.attention.self.query.weight',
    );
    const c = makeWeights(fixtureSpec('roberta-tiny-cls')).get(
      'encoder.layer.0.attention.self.query.weight',
    );
    expect(a?.data).toEqual(b?.data);
    expect(a?.data).not.toEqual(c?.data);
  });

  it('have the intended spread', () => {
    const w = makeWeights(fixtureSpec('roberta-tiny'));
    const data = w.get('embeddings.word_embeddings.weight')?.data ?? new Float32Array();
    const mean = data.reduce((s, v) => s + v, 0) / data.length;
    const std = Math.sqrt(data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeCloseTo(0.2, 2);
  });
});

describe('oracle', () => {
  it.each([
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [-1.5, -0.9661051464753108],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
    [-4, -0.9999999845827421],
  ])('erf(%f) = %f', (x, expected) => {
    expect(Math.abs(erf(x) - expected)).toBeLessThan(1e-14);
  });

  it('gives every layer a distinct, normalised hidden state', () => {
    const { hiddenStates } = oracleForward('roberta-tiny', {
      inputIds: [0, 40, 50, 60, 2],
      attentionMask: [1, 1, 1, 1, 1],
      dims: [1, 5],
    });
    const [layers, , tokens, hidden] = hiddenStates.dims;
    expect(hiddenStates.dims).toEqual([5, 1, 5, 32]);
    const size = tokens * hidden;
    for (let l = 0; l < layers; l++) {
      const layer = hiddenStates.data.subarray(l * size, (l + 1) * size);
      // Post-LN: each token's row has mean ≈ mean(beta) and std ≈ |gamma|, i.e. O(1).
      const rms = Math.sqrt(layer.reduce((s, v) => s + v * v, 0) / size);
      expect(rms).toBeGreaterThan(0.5);
      expect(rms).toBeLessThan(2);
      if (l > 0) {
        const previous = hiddenStates.data.subarray((l - 1) * size, l * size);
        const change = layer.reduce((s, v, i) => s + Math.abs(v - previous[i]), 0) / size;
        expect(change).toBeGreaterThan(0.1);
      }
    }
  });
});
