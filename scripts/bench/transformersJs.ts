/**
 * transformers.js's `feature-extraction` pipeline (mean pooling) beside readscope's all-layer
 * pass, in one onnxruntime-node process at the same thread count, on the same texts:
 * - the pipeline on the fill-mask export (the same model.onnx readscope reads): its ONNX output is
 *   the LM head's `logits`, which the pipeline takes for lack of `last_hidden_state`
 *   (`outputs.last_hidden_state ?? outputs.logits ?? outputs.token_embeddings`,
 *   @huggingface/transformers src/pipelines/feature-extraction.js), so it returns
 *   vocabulary-wide vectors, not hidden states;
 * - the pipeline on the feature-extraction export of the same encoder, where it returns the last
 *   layer;
 * - readscope's `Engine.embed` with the in-graph poolings (CLS, mean, max of every layer) on the
 *   fill-mask file, whose LM head the rewrite prunes.
 * Each pass of each is timed in rounds (one warm-up round first), the order rotating every
 * round, so a change in the machine's load falls on all three alike.
 */
import { basename, dirname } from 'node:path';
import { env, pipeline, type Tensor } from '@huggingface/transformers';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { median } from './stats.ts';

/** One contender's figures. */
export interface TjsRow {
  name:
    | 'readscope'
    | 'transformers.js, fill-mask export'
    | 'transformers.js, feature-extraction export';
  model: string;
  /** What one pass returns per text, as `[count, …]` dims. */
  outputDims: number[];
  loadMs: number;
  passesMs: number[];
  medianMs: number;
  cpuMsPerPass: number;
}

export interface TjsComparison {
  threads: number;
  texts: number;
  tokens: number;
  rows: TjsRow[];
  /** Largest |Δ| between the pipeline's mean on the feature-extraction export and readscope's last-layer mean. */
  lastLayerMaxAbsDiff: number | null;
  transformersJsVersion: string;
}

type Pass = () => Promise<number[]>;

/** Runs the comparison; `feDir` may be null where the feature-extraction export is missing. */
export async function compareTransformersJs(options: {
  mlmDir: string;
  feDir: string | null;
  threads: number;
  texts: string[];
  reps: number;
  cpuNow: () => number;
  log: (line: string) => void;
}): Promise<TjsComparison> {
  const { mlmDir, feDir, threads, texts, reps, cpuNow, log } = options;
  env.allowRemoteModels = false;
  const contenders: { row: TjsRow; pass: Pass; release: () => Promise<void> }[] = [];
  let lastLayer: Float32Array | null = null;
  let feMean: Float32Array | null = null;
  let tokens = 0;

  let started = performance.now();
  const engine = await loadNodeEngine(await folderSource(mlmDir), { threads });
  const { layers, hidden } = engine.info;
  contenders.push({
    row: row('readscope', mlmDir, [texts.length, layers, hidden], performance.now() - started),
    pass: async () => {
      const out = await engine.embed(texts, ['cls', 'mean', 'max']);
      tokens = out.tokenCounts.reduce((s, n) => s + n, 0);
      lastLayer = new Float32Array(texts.length * hidden); // [count, hidden]
      for (let t = 0; t < texts.length; t++) {
        const from = (t * layers + layers - 1) * hidden;
        lastLayer.set(out.pooled.mean!.subarray(from, from + hidden), t * hidden);
      }
      return [texts.length, layers, hidden];
    },
    release: () => engine.release(),
  });

  for (const [name, dir] of [
    ['transformers.js, fill-mask export', mlmDir],
    ['transformers.js, feature-extraction export', feDir],
  ] as const) {
    if (!dir) continue;
    started = performance.now();
    // The pipeline finds a local model as <localModelPath>/<id>/.
    env.localModelPath = `${dirname(dir)}/`;
    const extractor = await pipeline('feature-extraction', basename(dir), {
      dtype: 'fp32',
      device: 'cpu',
      session_options: { intraOpNumThreads: threads },
    });
    const isFe = dir === feDir;
    contenders.push({
      row: row(name, dir, [], performance.now() - started),
      pass: async () => {
        const out = (await extractor(texts, { pooling: 'mean' })) as Tensor;
        if (isFe) feMean = out.data as Float32Array;
        return out.dims;
      },
      release: () => extractor.dispose(),
    });
  }

  for (let round = 0; round <= reps; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
    for (const c of order) {
      const cpu = cpuNow();
      const t0 = performance.now();
      c.row.outputDims = await c.pass();
      const ms = performance.now() - t0;
      // Round 0 warms every session up and is not counted.
      if (round > 0) {
        c.row.passesMs.push(ms);
        c.row.cpuMsPerPass += (cpuNow() - cpu) / reps;
      }
      log(`  ${round ? `round ${round}` : 'warm-up'}: ${c.row.name} ${(ms / 1000).toFixed(1)} s`);
    }
  }
  for (const c of contenders) {
    c.row.medianMs = median(c.row.passesMs);
    await c.release();
  }
  return {
    threads,
    texts: texts.length,
    tokens,
    rows: contenders.map((c) => c.row),
    lastLayerMaxAbsDiff: maxAbsDiff(lastLayer, feMean),
    transformersJsVersion: env.version,
  };
}

function row(name: TjsRow['name'], model: string, outputDims: number[], loadMs: number): TjsRow {
  return { name, model, outputDims, loadMs, passesMs: [], medianMs: 0, cpuMsPerPass: 0 };
}

function maxAbsDiff(a: Float32Array | null, b: Float32Array | null): number | null {
  if (!a || !b || a.length !== b.length) return null;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
