/**
 * The engine in Node (onnxruntime-node, the real loader on each committed fixture) against the
 * independent float64 oracle: every layer, padded batches, in-graph poolings, regression logits.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURE_NAMES } from '../../scripts/fixtures/spec.ts';
import { projectTokens, tokenDirections } from '../../src/analysis/directions.ts';
import { pool, poolOptionsFor, validLayers } from '../../src/analysis/pooling.ts';
import { makeNormal } from '../../src/analysis/rng.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import type { EncodedText, TokenRequest, TokenStates } from '../../src/engine/protocol.ts';
import {
  extractTokenFeatures,
  spreadFirst,
  type ExtractProgress,
} from '../../src/pipeline/fitRun.ts';
import { oracleForward, type OracleResult } from '../oracle/forward.ts';

/** Max abs difference allowed between the engine (float32, ORT kernels) and the float64 oracle. */
const TOLERANCE = 1e-4;

const TEXTS = [
  'Short.',
  'The floor was covered with snow-white canvas, not laid on smoothly, but rumpled over bumps.',
  'When the young people returned to the ballroom, it presented a decidedly changed appearance.',
];

/** Runs the oracle on the engine's own token ids, padded to one batch. */
function oracleFor(
  name: (typeof FIXTURE_NAMES)[number],
  idsList: number[][],
  padId: number,
): OracleResult {
  const seq = Math.max(...idsList.map((ids) => ids.length));
  const inputIds = new Array<number>(idsList.length * seq).fill(padId);
  const attentionMask = new Array<number>(idsList.length * seq).fill(0);
  idsList.forEach((ids, b) =>
    ids.forEach((id, j) => {
      inputIds[b * seq + j] = id;
      attentionMask[b * seq + j] = 1;
    }),
  );
  return oracleForward(name, { inputIds, attentionMask, dims: [idsList.length, seq] });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Slices text b's real tokens out of the oracle's `[layers, batch, seq, hidden]`. */
function oracleStates(ref: OracleResult, b: number, tokens: number): Float32Array {
  const [layers, batch, seq, hidden] = ref.hiddenStates.dims;
  const out = new Float32Array(layers * tokens * hidden);
  for (let l = 0; l < layers; l++) {
    const from = (l * batch + b) * seq * hidden;
    out.set(ref.hiddenStates.data.subarray(from, from + tokens * hidden), l * tokens * hidden);
  }
  return out;
}

const engines = new Map<string, Engine>();
async function engineFor(name: string): Promise<Engine> {
  if (!engines.has(name))
    engines.set(name, await loadNodeEngine(await folderSource(`public/models/${name}`)));
  return engines.get(name)!;
}

describe.each(FIXTURE_NAMES)('%s', (name) => {
  it(`matches the oracle on every layer of a padded batch (${TOLERANCE})`, async () => {
    const engine = await engineFor(name);
    const results = await engine.encodeMany(TEXTS);
    const padId = name.startsWith('roberta') ? 1 : 0;
    const ref = oracleFor(
      name,
      results.map((r) => r.ids),
      padId,
    );
    expect(ref.hiddenStates.dims[0]).toBe(engine.info.layers);
    results.forEach((r, b) => {
      expect(r.states.length).toBe(engine.info.layers * r.ids.length * engine.info.hidden);
      expect(maxDiff(r.states, oracleStates(ref, b, r.ids.length))).toBeLessThan(TOLERANCE);
    });
  });

  it('gives each text the same states alone as inside a padded batch', async () => {
    const engine = await engineFor(name);
    const batch = await engine.encodeMany(TEXTS);
    const alone = await engine.encode(TEXTS[0]);
    expect(alone.ids).toEqual(batch[0].ids);
    expect(maxDiff(alone.states, batch[0].states)).toBeLessThan(TOLERANCE);
  });

  it(`pools CLS, masked mean and masked max on the device like the oracle (${TOLERANCE})`, async () => {
    const engine = await engineFor(name);
    const { layers, hidden } = engine.info;
    const singles = await engine.encodeMany(TEXTS);
    const pooled = await engine.embed(TEXTS, ['cls', 'mean', 'max']);
    const ref = oracleFor(
      name,
      singles.map((r) => r.ids),
      name.startsWith('roberta') ? 1 : 0,
    );
    singles.forEach((r, b) => {
      const states = oracleStates(ref, b, r.ids.length);
      const n = r.ids.length;
      const cls = new Float32Array(layers * hidden);
      const mean = new Float32Array(layers * hidden);
      const max = new Float32Array(layers * hidden).fill(-Infinity);
      for (let l = 0; l < layers; l++)
        for (let t = 0; t < n; t++)
          for (let h = 0; h < hidden; h++) {
            const v = states[(l * n + t) * hidden + h];
            if (t === 0) cls[l * hidden + h] = v;
            mean[l * hidden + h] += v / n;
            max[l * hidden + h] = Math.max(max[l * hidden + h], v);
          }
      const row = (a: Float32Array) => a.subarray(b * layers * hidden, (b + 1) * layers * hidden);
      expect(maxDiff(row(pooled.pooled.cls!), cls)).toBeLessThan(TOLERANCE);
      expect(maxDiff(row(pooled.pooled.mean!), mean)).toBeLessThan(TOLERANCE);
      expect(maxDiff(row(pooled.pooled.max!), max)).toBeLessThan(TOLERANCE);
    });
    expect(Array.from(pooled.tokenCounts)).toEqual(singles.map((r) => r.ids.length));
  });
});

describe('engine reports', () => {
  it('returns the regression logit of a sequence-classification export as its score', async () => {
    const engine = await engineFor('roberta-tiny-cls');
    expect(engine.info.isRegression).toBe(true);
    const { scores } = await engine.embed([TEXTS[1]], []);
    const ref = oracleFor('roberta-tiny-cls', [engine.tokenIds(TEXTS[1])], 1);
    expect(Math.abs(scores![0] - ref.outputs.logits.data[0])).toBeLessThan(TOLERANCE);
  });

  it('prunes the masked-LM head of a fill-mask export', async () => {
    const engine = await engineFor('roberta-tiny-mlm');
    expect(engine.info.prunedNodes).toBeGreaterThan(0);
    expect(engine.info.extraOutputs).toEqual([]);
  });

  it('says which models have a trained pooler', async () => {
    expect((await engineFor('bert-tiny')).info.hasTrainedPooler).toBe(true);
    expect((await engineFor('roberta-tiny')).info.hasTrainedPooler).toBe(false);
  });

  it('reports truncation instead of cutting silently', async () => {
    const engine = await engineFor('roberta-tiny');
    const long = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const r = await engine.encode(long);
    expect(r.truncation).not.toBeNull();
    expect(r.truncation!.keptTokens).toBe(engine.info.maxTokens);
    expect(r.truncation!.totalTokens).toBeGreaterThan(engine.info.maxTokens);
    expect(r.ids.at(-1)).toBe(2); // the closing </s> survives the cut
  });

  it(`reads a text longer than the model in overlapping windows, combined by length (${TOLERANCE})`, async () => {
    const engine = await engineFor('roberta-tiny');
    const { layers, hidden, maxTokens } = engine.info;
    const long = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
    const ids = engine.tokenIds(long);
    expect(ids.length).toBeGreaterThan(maxTokens);
    const windows = engine.windowsOf(ids).map((w) => w.ids);
    const out = await engine.embed([TEXTS[1], long], ['mean', 'max']);
    expect(Array.from(out.windows)).toEqual([1, windows.length]);
    expect(out.tokenCounts[1]).toBe(ids.length);

    const row = layers * hidden;
    const mean = new Float64Array(row);
    const max = new Float64Array(row).fill(-Infinity);
    const totalLength = windows.reduce((a, w) => a + w.length, 0);
    for (const w of windows) {
      const states = oracleStates(oracleFor('roberta-tiny', [w], 1), 0, w.length);
      for (let l = 0; l < layers; l++)
        for (let h = 0; h < hidden; h++) {
          let sum = 0;
          let m = -Infinity;
          for (let t = 0; t < w.length; t++) {
            const v = states[(l * w.length + t) * hidden + h];
            sum += v;
            m = Math.max(m, v);
          }
          mean[l * hidden + h] += (sum / w.length) * (w.length / totalLength);
          max[l * hidden + h] = Math.max(max[l * hidden + h], m);
        }
    }
    expect(maxDiff(out.pooled.mean!.subarray(row), mean)).toBeLessThan(TOLERANCE);
    expect(maxDiff(out.pooled.max!.subarray(row), max)).toBeLessThan(TOLERANCE);
  });

  it('computes SBERT-WK per text in the worker path, equal to pooling the full states', async () => {
    const engine = await engineFor('roberta-tiny');
    const { layers, hidden } = engine.info;
    const out = await engine.embed(TEXTS, ['wk']);
    const singles = await engine.encodeMany(TEXTS);
    const options = poolOptionsFor(layers);
    const wkLayers = validLayers('wk', layers, options);
    expect(wkLayers.length).toBeGreaterThan(0);
    singles.forEach((r, b) => {
      const states = {
        data: r.states,
        layers,
        tokens: r.ids.length,
        hidden,
        mask: new Uint8Array(r.ids.length).fill(1),
      };
      for (const l of wkLayers) {
        const want = pool(states, 'wk', l, options);
        const at = (b * layers + l) * hidden;
        expect(maxDiff(out.pooled.wk!.subarray(at, at + hidden), want)).toBeLessThan(TOLERANCE);
      }
    });
  });

  it(`returns a trained pooler's output for batch work (${TOLERANCE})`, async () => {
    const engine = await engineFor('bert-tiny');
    const out = await engine.embed(TEXTS, ['pooler']);
    const singles = await engine.encodeMany(TEXTS);
    singles.forEach((r, b) => {
      const ref = oracleFor('bert-tiny', [r.ids], 0).outputs.pooler_output.data;
      const hidden = engine.info.hidden;
      expect(maxDiff(out.pooled.pooler!.subarray(b * hidden, (b + 1) * hidden), ref)).toBeLessThan(
        TOLERANCE,
      );
    });
    await expect((await engineFor('roberta-tiny')).embed(TEXTS, ['pooler'])).rejects.toThrow(
      /no pooler output/,
    );
  });
});

/** Max abs difference allowed between two float32 runs of the same tokens, padded differently. */
const SAME_RUN_TOLERANCE = 1e-6;

/** The last layer of a single-text result: `[tokens, hidden]`. */
function lastLayer(r: EncodedText): Float32Array {
  const n = r.ids.length;
  return r.states.subarray((r.layers - 1) * n * r.hidden, r.layers * n * r.hidden);
}

/** Text i's rows of a batch run's token states. */
function rowsOf(tokens: TokenStates, i: number): Float32Array {
  return tokens.data.subarray(tokens.offsets[i] * tokens.dim, tokens.offsets[i + 1] * tokens.dim);
}

/** Sum of the first `n` values. */
function sum(values: readonly number[], n: number): number {
  return values.slice(0, n).reduce((a, b) => a + b, 0);
}

describe('last-layer token states for batch work', () => {
  const LONG = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
  const MIXED = [...TEXTS, 'A middling sentence, padded in the same batch as the others.'];

  it(`returns each text's raw last layer, as encode() gives it (${SAME_RUN_TOLERANCE})`, async () => {
    const engine = await engineFor('roberta-tiny');
    const { hidden } = engine.info;
    const out = await engine.embed(MIXED, [], undefined, undefined, undefined, {
      projection: null,
      dim: hidden,
    });
    const singles = await Promise.all(MIXED.map((t) => engine.encode(t)));
    const lengths = singles.map((r) => r.ids.length);
    expect(new Set(lengths).size).toBeGreaterThan(1);
    const tokens = out.tokens!;
    expect(tokens.dim).toBe(hidden);
    expect(Array.from(tokens.offsets)).toEqual([0, ...lengths.map((_, i) => sum(lengths, i + 1))]);
    expect(tokens.data.length).toBe(sum(lengths, lengths.length) * hidden);
    singles.forEach((r, i) => {
      expect(maxDiff(rowsOf(tokens, i), lastLayer(r))).toBeLessThan(SAME_RUN_TOLERANCE);
    });
  });

  it('projects each token state through P when a projection is given (1e-5)', async () => {
    const engine = await engineFor('roberta-tiny');
    const { hidden } = engine.info;
    const dim = 5;
    const normal = makeNormal(7);
    const projection = Float32Array.from({ length: dim * hidden }, () => normal());
    const out = await engine.embed(MIXED, [], undefined, undefined, undefined, {
      projection,
      dim,
    });
    expect(out.tokens!.dim).toBe(dim);
    for (const [i, text] of MIXED.entries()) {
      const x = lastLayer(await engine.encode(text));
      const n = x.length / hidden;
      const want = new Float64Array(n * dim);
      for (let t = 0; t < n; t++)
        for (let d = 0; d < dim; d++)
          for (let h = 0; h < hidden; h++)
            want[t * dim + d] += projection[d * hidden + h] * x[t * hidden + h];
      expect(maxDiff(rowsOf(out.tokens!, i), want)).toBeLessThan(1e-5);
    }
  });

  it(`cuts a text longer than the model as encode() does: its first window (${SAME_RUN_TOLERANCE})`, async () => {
    const engine = await engineFor('roberta-tiny');
    const { hidden, maxTokens } = engine.info;
    expect(engine.tokenIds(LONG).length).toBeGreaterThan(maxTokens);
    const out = await engine.embed([TEXTS[1], LONG], ['mean'], undefined, undefined, undefined, {
      projection: null,
      dim: hidden,
    });
    expect(out.windows[1]).toBeGreaterThan(1);
    const tokens = out.tokens!;
    expect(tokens.offsets[2] - tokens.offsets[1]).toBe(maxTokens);
    const cut = await engine.encode(LONG);
    expect(maxDiff(rowsOf(tokens, 1), lastLayer(cut))).toBeLessThan(SAME_RUN_TOLERANCE);
  });

  it('leaves the pooled vectors as they were and returns no tokens unless asked', async () => {
    const engine = await engineFor('roberta-tiny');
    const plain = await engine.embed([...MIXED, LONG], ['mean', 'wk']);
    expect(plain).not.toHaveProperty('tokens');
    const withTokens = await engine.embed(
      [...MIXED, LONG],
      ['mean', 'wk'],
      undefined,
      undefined,
      undefined,
      {
        projection: new Float32Array(3 * engine.info.hidden).fill(0.5),
        dim: 3,
      },
    );
    expect(Array.from(withTokens.pooled.mean!)).toEqual(Array.from(plain.pooled.mean!));
    expect(Array.from(withTokens.pooled.wk!)).toEqual(Array.from(plain.pooled.wk!));
  });

  it.each<[string, (hidden: number) => TokenRequest, (hidden: number) => RegExp]>([
    [
      'a projection of the wrong length',
      (hidden) => ({ projection: new Float32Array(5 * hidden - 1), dim: 5 }),
      (hidden) =>
        new RegExp(`holds ${5 * hidden - 1} values; a 5 × ${hidden} .* needs ${5 * hidden}`),
    ],
    [
      'raw states of the wrong width',
      () => ({ projection: null, dim: 4 }),
      (hidden) => new RegExp(`${hidden} wide .*not 4`),
    ],
    [
      'a width that is not a positive integer',
      () => ({ projection: null, dim: 0 }),
      () => /asked 0 wide; .*positive whole number/,
    ],
  ])('refuses %s, naming the sizes', async (_, request, message) => {
    const engine = await engineFor('roberta-tiny');
    const { hidden } = engine.info;
    const run = engine.embed(TEXTS, [], undefined, undefined, undefined, request(hidden));
    await expect(run).rejects.toMatchObject({
      code: 'run',
      message: expect.stringMatching(message(hidden)),
    });
  });

  it('gives the Fit view every text’s tokens reduced by the directions of a spread first chunk (1e-5)', async () => {
    const engine = await engineFor('roberta-tiny');
    const { hidden } = engine.info;
    const texts = [...MIXED, LONG, ...TEXTS]; // chunks of three, three and two
    const progress: ExtractProgress[] = [];
    let clock = 0; // ms; each reading of it is one second later
    const read = await extractTokenFeatures({
      texts,
      info: engine.info,
      dim: 6,
      db: null,
      chunkRows: 3,
      embed: (t, p, signal, tokens) => engine.embed(t, p, undefined, signal, undefined, tokens),
      onProgress: (p) => progress.push(p),
      now: () => (clock += 1000),
    });
    if (!read) throw new Error('not read');
    expect(progress.map((p) => p.done)).toEqual([0, 3, 6, texts.length]);
    // The clock reads 1 s at the start and 1 s more at each report: texts read over seconds
    // gone, and the texts left at that pace.
    const round = (x: number | null) => (x === null ? null : Number(x.toFixed(9)));
    expect(progress.map((p) => [round(p.rowsPerSecond), round(p.secondsLeft)])).toEqual([
      [null, null],
      [1.5, round(5 / 1.5)],
      [2, 1],
      [2, 0],
    ]);
    expect(read.cut).toBe(1); // LONG
    // The directions come from the raw tokens of texts 0, 2 and 5, spread over the file, as
    // encode() gives them; the first three texts would give others.
    const singles = await Promise.all(texts.map((t) => engine.encode(t)));
    const tokensOf = (rows: number[]) =>
      Float32Array.from(rows.flatMap((i) => [...lastLayer(singles[i])]));
    expect(spreadFirst(texts.length, 3).slice(0, 3)).toEqual([0, 2, 5]);
    const spread = tokenDirections(tokensOf([0, 2, 5]), hidden, 6);
    expect(maxDiff(read.directions, spread)).toBeLessThan(1e-4);
    expect(maxDiff(tokenDirections(tokensOf([0, 1, 2]), hidden, 6), spread)).toBeGreaterThan(1e-2);
    expect(read.input).toMatchObject({ kind: 'ragged-tokens', batch: texts.length, hidden: 6 });
    singles.forEach((r, i) => {
      const [from, to] = [read.input.offsets[i], read.input.offsets[i + 1]];
      expect(to - from).toBe(r.ids.length);
      const want = projectTokens(lastLayer(r), hidden, read.directions);
      expect(maxDiff(read.input.data.subarray(from * 6, to * 6), want)).toBeLessThan(1e-5);
    });
  });
});
