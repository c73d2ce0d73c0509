/**
 * `readscope embed` and `readscope score` on every real-stack folder and every dtype file the CPU
 * runs (tests/fixtures/hf, made by transformers + torch.onnx + onnxruntime's quantizers): the
 * features and scores they write are checked against the reference hidden states the exporting
 * stack computed (PyTorch for fp32, onnxruntime's run of the same file otherwise), pooled and
 * scored here by plain loops.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headToJson } from '../../src/analysis/head.ts';
import { DTYPE_INFO, type Dtype } from '../../src/engine/dtypes.ts';
import {
  listRealStackFolders,
  readRealStackReference,
  type RealStackReference,
} from '../support/realStack.ts';
import { cli } from '../support/cli.ts';
import { randomRidgeHead } from '../support/heads.ts';

/** fp32 against PyTorch, 8-bit and 4-bit against their own file's run: as real-stack.test.ts. */
const TOLERANCE = 1e-4;
/** float16 files: 8 float16 ulps relative to max(1, |value|), after a mean over tokens. */
const FP16_TOLERANCE = 2 ** -7;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readscope-real-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The padded batch's last-layer masked means `[texts, hidden]` from the reference states. */
function referenceMeans(ref: RealStackReference, dtype: Dtype): number[][] {
  const batch = ref.batches.find((b) => b.name === 'padded')!;
  const states = ref.tensor(
    dtype === 'fp32' ? 'torch/padded/hidden_states' : `ort/${dtype}/padded/hidden_states`,
  );
  const [layers, count, seq, hidden] = states.dims;
  return Array.from({ length: count }, (_, b) => {
    const n = batch.attention_mask[b].filter((m) => m === 1).length;
    return Array.from({ length: hidden }, (_, h) => {
      let sum = 0;
      for (let j = 0; j < n; j++)
        sum += states.data[(((layers - 1) * count + b) * seq + j) * hidden + h];
      return sum / n;
    });
  });
}

/** A ridge head on the last layer's mean with seeded random weights, for this folder and dtype. */
const randomHead = (ref: RealStackReference, dtype: Dtype) =>
  randomRidgeHead({
    modelId: ref.name,
    dtype,
    hidden: ref.hidden,
    strategy: 'mean',
    layer: ref.layers,
    seed: 7,
  });

const csvOf = (texts: string[]) =>
  'id,excerpt\n' + texts.map((t, i) => `t${i},"${t.replaceAll('"', '""')}"`).join('\n') + '\n';

/** Rows of a CSV the CLI wrote, header dropped, split on commas (no field holds one). */
const rowsOf = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

const CASES = listRealStackFolders().flatMap((name) => {
  const ref = readRealStackReference(name);
  return (Object.keys(ref.dtypes) as Dtype[])
    .filter((d) => DTYPE_INFO[d].backends.includes('cpu'))
    .map((dtype) => [name, dtype, ref] as const);
});

describe.each(CASES)('%s, %s', (name, dtype, ref) => {
  const texts = ref.batches.find((b) => b.name === 'padded')!.texts;
  const tolerance = dtype === 'fp16' ? FP16_TOLERANCE : TOLERANCE;

  it('embed writes the last layer mean the exporting stack computes', async () => {
    const input = join(dir, `${name}-${dtype}-in.csv`);
    const out = join(dir, `${name}-${dtype}-features.csv`);
    await writeFile(input, csvOf(texts));
    const r = await cli('embed', input, '--model', ref.dir, '--dtype', dtype, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const rows = rowsOf(await readFile(out, 'utf8'));
    const want = referenceMeans(ref, dtype);
    expect(rows.map((row) => row[0])).toEqual(texts.map((_, i) => `t${i}`));
    rows.forEach((row, i) => {
      expect(row).toHaveLength(ref.hidden + 1);
      row.slice(1).forEach((v, h) => {
        const d = Math.abs(Number(v) - want[i][h]) / Math.max(1, Math.abs(want[i][h]));
        expect(d, `${name} ${dtype} text ${i} f${h}`).toBeLessThan(tolerance);
      });
    });
  });

  it('score with a head writes what the head gives on the reference features', async () => {
    const input = join(dir, `${name}-${dtype}-score.csv`);
    const headFile = join(dir, `${name}-${dtype}-head.json`);
    const out = join(dir, `${name}-${dtype}-submission.csv`);
    const head = randomHead(ref, dtype);
    await writeFile(input, csvOf(texts));
    await writeFile(headFile, headToJson(head));
    const r = await cli(
      'score',
      input,
      '--model',
      ref.dir,
      '--dtype',
      dtype,
      '--head',
      headFile,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = rowsOf(await readFile(out, 'utf8'));
    const means = referenceMeans(ref, dtype);
    rows.forEach(([id, target], i) => {
      expect(id).toBe(`t${i}`);
      // The head by plain loops: bias + Σ ((x − mean) / std) · w.
      const want = means[i].reduce(
        (s, x, k) => s + ((x - head.scaler.mean[k]) / head.scaler.std[k]) * head.weights[k],
        head.bias,
      );
      const scale = head.weights.reduce((s, w, k) => s + Math.abs(w / head.scaler.std[k]), 0);
      expect(Math.abs(Number(target) - want), `${name} ${dtype} text ${i}`).toBeLessThan(
        tolerance * scale,
      );
    });
  });
});

describe.each(CASES.filter(([, , ref]) => ref.task === 'regression'))(
  '%s, %s: regression export',
  (name, dtype, ref) => {
    it('score without a head writes the export’s own predictions', async () => {
      const batch = ref.batches.find((b) => b.name === 'padded')!;
      const input = join(dir, `${name}-${dtype}-reg.csv`);
      const out = join(dir, `${name}-${dtype}-reg-submission.csv`);
      await writeFile(input, csvOf(batch.texts));
      const r = await cli('score', input, '--model', ref.dir, '--dtype', dtype, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const want = ref.tensor(
        dtype === 'fp32' ? 'torch/padded/logits' : `ort/${dtype}/padded/logits`,
      ).data;
      rowsOf(await readFile(out, 'utf8')).forEach(([, target], i) =>
        expect(Math.abs(Number(target) - want[i])).toBeLessThan(
          dtype === 'fp16' ? FP16_TOLERANCE : TOLERANCE,
        ),
      );
    });
  },
);
