/**
 * The engine in Node on every model folder the Hugging Face stack made (tests/fixtures/hf:
 * transformers + torch.onnx, quantized and converted as transformers.js does it), each dtype file
 * against PyTorch's own hidden states and against onnxruntime's run of that same file.
 *
 * Tolerances:
 * - fp32 against PyTorch: 1e-4 absolute, every layer, every real token.
 * - int8 / uint8 / q8 / q4 against onnxruntime's run of the same file (its own normalisation
 *   outputs, found by the generator by matching PyTorch's values, not by our finder): 1e-4.
 * - fp16 against its own onnxruntime run: 4 units in float16's last place (2^-8 relative to
 *   max(1, |value|)); ORT fuses a float16 LayerNorm differently once its output is a graph output.
 * - Every dtype against PyTorch fp32: reported in the log (the deviation quantisation costs), and
 *   bounded only loosely, to catch a wrong tensor: 0.05 for fp16, 0.5 for 8-bit, 1.5 for 4-bit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DTYPE_INFO, type Dtype } from '../../src/engine/dtypes.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import {
  listRealStackFolders,
  readRealStackReference,
  type RealStackBatch,
  type RealStackReference,
  type RealStackTensor,
} from '../support/realStack.ts';

const FP32_TOLERANCE = 1e-4;
const SAME_FILE_TOLERANCE = 1e-4;
/** 4 float16 ulps at 1: 2^-10 each. */
const FP16_RELATIVE = 2 ** -8;
const VS_TORCH_BOUND: Partial<Record<Dtype, number>> = {
  fp32: FP32_TOLERANCE,
  fp16: 0.05,
  q8: 0.5,
  int8: 0.5,
  uint8: 0.5,
  q4: 1.5,
};

const FOLDERS = listRealStackFolders();
const REFS = new Map(FOLDERS.map((name) => [name, readRealStackReference(name)]));
const CASES = FOLDERS.flatMap((name) =>
  (Object.keys(REFS.get(name)!.dtypes) as Dtype[])
    .filter((dtype) => DTYPE_INFO[dtype].backends.includes('cpu'))
    .map((dtype) => [name, dtype] as const),
);
/** Per folder and dtype, the largest deviation from PyTorch fp32, printed once at the end. */
const report: string[] = [];
afterAll(() => {
  if (report.length) console.log(`[real-stack deviations vs PyTorch fp32]\n${report.join('\n')}`);
});

/** The real tokens of row b of a batch. */
const realIds = (batch: RealStackBatch, b: number) =>
  batch.input_ids[b].filter((_, j) => batch.attention_mask[b][j] === 1);

/** Largest |got − want| of one text's states `[layers, tokens, hidden]` against row b of a
 * reference `[layers, batch, T, hidden]`, over its first `tokens` positions; `relative` divides
 * each difference by max(1, |want|). */
function worstDiff(
  got: Float32Array,
  tokens: number,
  ref: RealStackTensor,
  b: number,
  relative = false,
): number {
  const [layers, batch, seq, hidden] = ref.dims;
  expect(got.length).toBe(layers * tokens * hidden);
  let worst = 0;
  for (let l = 0; l < layers; l++) {
    for (let j = 0; j < tokens; j++) {
      for (let h = 0; h < hidden; h++) {
        const want = ref.data[((l * batch + b) * seq + j) * hidden + h];
        const d = Math.abs(got[(l * tokens + j) * hidden + h] - want);
        worst = Math.max(worst, relative ? d / Math.max(1, Math.abs(want)) : d);
      }
    }
  }
  return worst;
}

async function withEngine<T>(
  ref: RealStackReference,
  dtype: Dtype,
  run: (e: Engine) => Promise<T>,
) {
  const engine = await loadNodeEngine(await folderSource(ref.dir), { dtype, threads: 1 });
  try {
    return await run(engine);
  } finally {
    await engine.release();
  }
}

it('has the committed real-stack folders to test', () => {
  expect(FOLDERS.length).toBeGreaterThanOrEqual(4);
  expect(CASES.length).toBeGreaterThanOrEqual(FOLDERS.length);
});

describe.each(CASES)('%s, %s', (name, dtype) => {
  const ref = REFS.get(name)!;

  it('loads, finds every layer and matches the exporting stack on every batch', async () => {
    await withEngine(ref, dtype, async (engine) => {
      expect(engine.info.layers).toBe(ref.layers + 1);
      expect(engine.info.hidden).toBe(ref.hidden);
      expect(engine.info.maxTokens).toBe(ref.max_tokens);
      let vsTorch = 0;
      for (const batch of ref.batches) {
        const results = await engine.encodeMany(batch.texts);
        const torch = ref.tensor(`torch/${batch.name}/hidden_states`);
        const own = ref.tensor(`ort/${dtype}/${batch.name}/hidden_states`);
        results.forEach((r, b) => {
          // The tokenizer transformers.js builds from the saved files gives the same ids.
          expect(r.ids, `${batch.name}[${b}] token ids`).toEqual(realIds(batch, b));
          const n = r.ids.length;
          vsTorch = Math.max(vsTorch, worstDiff(r.states, n, torch, b));
          if (dtype === 'fp32') {
            expect(worstDiff(r.states, n, torch, b), `${batch.name}[${b}]`).toBeLessThan(
              FP32_TOLERANCE,
            );
          } else if (dtype === 'fp16') {
            expect(worstDiff(r.states, n, own, b, true), `${batch.name}[${b}]`).toBeLessThan(
              FP16_RELATIVE,
            );
          } else {
            expect(worstDiff(r.states, n, own, b), `${batch.name}[${b}]`).toBeLessThan(
              SAME_FILE_TOLERANCE,
            );
          }
        });
      }
      report.push(`${name} ${dtype}: max |Δ| ${vsTorch.toExponential(2)}`);
      expect(vsTorch).toBeLessThan(VS_TORCH_BOUND[dtype] ?? 1.5);
    });
  });

  it('pools in the graph as the reference states pool (padded batch)', async () => {
    const batch = ref.batches.find((b) => b.name === 'padded')!;
    const states = ref.tensor(
      dtype === 'fp32' ? `torch/padded/hidden_states` : `ort/${dtype}/padded/hidden_states`,
    );
    const out = await withEngine(ref, dtype, (e) => e.embed(batch.texts, ['cls', 'mean', 'max']));
    const [layers, count, seq, hidden] = states.dims;
    const tolerance = dtype === 'fp16' ? FP16_RELATIVE * 8 : SAME_FILE_TOLERANCE;
    for (let b = 0; b < count; b++) {
      const n = realIds(batch, b).length;
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < hidden; h++) {
          const col = Array.from(
            { length: n },
            (_, j) => states.data[((l * count + b) * seq + j) * hidden + h],
          );
          const at = (b * layers + l) * hidden + h;
          const mean = col.reduce((a, v) => a + v, 0) / n;
          expect(Math.abs(out.pooled.cls![at] - col[0])).toBeLessThan(tolerance);
          expect(Math.abs(out.pooled.mean![at] - mean)).toBeLessThan(tolerance);
          expect(Math.abs(out.pooled.max![at] - Math.max(...col))).toBeLessThan(tolerance);
        }
      }
    }
  });
});

describe.each(CASES.filter(([name]) => REFS.get(name)!.task === 'regression'))(
  '%s, %s: regression export',
  (name, dtype) => {
    const ref = REFS.get(name)!;

    it('predicts as the regression export does', async () => {
      const out = await withEngine(ref, dtype, async (e) => {
        expect(e.info.isRegression).toBe(true);
        return Promise.all(ref.batches.map((b) => e.embed(b.texts, [])));
      });
      ref.batches.forEach((batch, i) => {
        const want = ref.tensor(
          dtype === 'fp32' ? `torch/${batch.name}/logits` : `ort/${dtype}/${batch.name}/logits`,
        );
        // Long texts are read in windows and combined; the reference read the first window only.
        if (batch.name === 'long') return;
        want.data.forEach((v, b) =>
          expect(Math.abs(out[i].scores![b] - v), `${batch.name}[${b}]`).toBeLessThan(
            dtype === 'fp16' ? FP16_RELATIVE : SAME_FILE_TOLERANCE,
          ),
        );
      });
    });
  },
);
