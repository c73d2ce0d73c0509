/**
 * The CLI end to end on the committed fixtures (real onnxruntime-node, temp folders, no network):
 * its files are checked byte for byte against the same pipeline called directly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHead, type Head } from '../../src/analysis/head.ts';
import { learnedCvPredictions } from '../../src/analysis/learned.ts';
import { DEFAULT_LEARNED_CONFIG, learnedConfigFor } from '../../src/analysis/learnedConfig.ts';
import type { LearnedInput } from '../../src/analysis/learnedInput.ts';
import {
  LAYERWISE_LEARNED_STRATEGIES,
  poolOptionsFor,
  validLayers,
} from '../../src/analysis/pooling.ts';
import { scoreFolds } from '../../src/analysis/cvFolds.ts';
import { formatNumber, submissionCsv } from '../../src/data/submission.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { predictLite } from '../../src/readability/lite.ts';
import { HEAD_STRATEGIES } from '../../src/cli/model.ts';
import { extractTokenFeatures } from '../../src/pipeline/fitRun.ts';
import {
  batchPoolingFor,
  featuresFrom,
  layerInput,
  predictBatch,
  tokenRequestFor,
} from '../../src/pipeline/scoring.ts';
import { HUB_ORG, startHub, type HubServer } from '../support/hub-server.ts';
import { cli } from '../support/cli.ts';
import { commonLitCsv, type GeneratedRow } from '../support/commonlit-csv.ts';

const TINY = 'public/models/roberta-tiny';
const TINY_CLS = 'public/models/roberta-tiny-cls';

let dir: string;
const at = (name: string) => join(dir, name);
const testCsv = commonLitCsv({ rows: 60, seed: 2 });
const trainCsv = commonLitCsv({ rows: 80, seed: 1, labelled: true });
const testRows = testCsv.rows;
const trainRows = trainCsv.rows;

/** Runs `run` on a model folder loaded in Node (onnxruntime-node), released afterwards. */
async function withModel<T>(model: string, run: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await loadNodeEngine(await folderSource(model));
  try {
    return await run(engine);
  } finally {
    await engine.release();
  }
}

/** What the pipeline gives when called directly, as the CLI should have written it. */
async function expectedSubmission(
  model: string,
  rows: readonly GeneratedRow[],
  head: Head | null,
): Promise<string> {
  const scores = await withModel(model, async (engine) => {
    const texts = rows.map((r) => r.text);
    const tokens = head ? tokenRequestFor([head]) : undefined;
    const pooling = head ? batchPoolingFor(head) : [];
    const batch = await engine.embed(texts, pooling, undefined, undefined, undefined, tokens);
    return head ? predictBatch(head, batch) : batch.scores!;
  });
  return submissionCsv(
    rows.map((r) => r.id),
    rows.map((r, i) => ({ id: r.id, target: scores[i] })),
  );
}

/**
 * Expects a learned head's CV RMSE to be what `learnedCvPredictions` gives when called directly on
 * `input` with the app's settings and the CLI's folds (5, seed 42).
 */
function expectDirectLearnedCv(head: Head, input: LearnedInput, layers: number): void {
  if (head.kind !== 'learned') throw new Error('not a learned head');
  const y = Float64Array.from(trainRows, (row) => row.target);
  const config = learnedConfigFor(head.strategy, poolOptionsFor(layers));
  const direct = learnedCvPredictions(head.strategy, input, y, { folds: 5, seed: 42 }, config);
  expect(head.cvRmse).toBe(scoreFolds(direct.predictions, y, direct.fold, 5).rmse);
}

/** `readscope score` with the head file writes exactly what predictBatch gives; returns the CSV. */
async function scoresLikePredictBatch(headFile: string, head: Head): Promise<string> {
  const out = headFile.replace(/\.json$/, '.csv');
  const r = await cli(
    'score',
    at('test.csv'),
    '--model',
    TINY,
    '--head',
    at(headFile),
    '--out',
    at(out),
  );
  expect(r.code, r.stderr).toBe(0);
  const csv = await readFile(at(out), 'utf8');
  expect(csv).toBe(await expectedSubmission(TINY, testRows, head));
  return csv;
}

function checkSubmissionShape(csv: string, rows: readonly GeneratedRow[]): void {
  expect(csv.charCodeAt(0)).not.toBe(0xfeff);
  expect(csv).not.toContain('\r');
  const lines = csv.split('\n');
  expect(lines[0]).toBe('id,target');
  expect(lines.at(-1)).toBe('');
  const body = lines.slice(1, -1).map((l) => l.split(','));
  expect(body.map(([id]) => id)).toEqual(rows.map((r) => r.id));
  for (const [, target] of body) expect(Number.isFinite(Number(target))).toBe(true);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readscope-cli-'));
  await writeFile(at('test.csv'), testCsv.csv);
  await writeFile(at('train.csv'), trainCsv.csv);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('score', () => {
  it('scores with a one-label regression export on its own', async () => {
    const r = await cli('score', at('test.csv'), '--model', TINY_CLS, '--out', at('sub-cls.csv'));
    expect(r.stderr).toContain('wrote 60 scores');
    expect(r.code).toBe(0);
    const csv = await readFile(at('sub-cls.csv'), 'utf8');
    checkSubmissionShape(csv, testRows);
    expect(csv).toBe(await expectedSubmission(TINY_CLS, testRows, null));
  });

  it('scores with the lite model and no model at all', async () => {
    const r = await cli(
      'score',
      at('test.csv'),
      '--lite',
      '--out',
      at('sub-lite.csv'),
      '--results',
      at('results-lite.csv'),
    );
    expect(r.code).toBe(0);
    const csv = await readFile(at('sub-lite.csv'), 'utf8');
    checkSubmissionShape(csv, testRows);
    const targets = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[1]);
    expect(targets).toEqual(testRows.map((row) => formatNumber(predictLite(row.text).target)));
    const results = (await readFile(at('results-lite.csv'), 'utf8')).split('\n');
    expect(results[0]).toBe(
      'id,target,lite,flesch,fleschKincaid,automatedReadability,colemanLiau,smog,daleChall,gunningFog,spache',
    );
    expect(results).toHaveLength(testRows.length + 2);
  });

  it('refuses a model that cannot score alone without a head', async () => {
    const r = await cli('score', at('test.csv'), '--model', TINY, '--out', at('x.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a one-label regression export');
  });

  it('stops on bad rows with their line numbers, or skips them and names the absent ids', async () => {
    // Line 2-3: a two-line quoted text; line 4: too many fields; line 5: no text; line 6: a repeat.
    const bad =
      'id,excerpt\n' +
      'a,"First line,\nsecond line."\n' +
      'b,one,two\n' +
      'c,  \n' +
      'a,Again.\n' +
      'd,Fine text.\n';
    await writeFile(at('bad.csv'), bad);
    const stopped = await cli('score', at('bad.csv'), '--lite', '--out', at('bad-out.csv'));
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(
      `${at('bad.csv')}:4: the row has 3 fields but the header has 2`,
    );
    expect(stopped.stderr).toContain(`${at('bad.csv')}:5: the text is empty (id c)`);
    expect(stopped.stderr).toContain(`${at('bad.csv')}:6: the id "a" was already used on line 2`);
    expect(stopped.stderr).toContain('--skip-bad-rows');
    await expect(readFile(at('bad-out.csv'))).rejects.toThrow();

    const skipped = await cli(
      'score',
      at('bad.csv'),
      '--lite',
      '--skip-bad-rows',
      '--out',
      at('bad-out.csv'),
    );
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('3 bad rows were skipped. Absent from the output: b, c.');
    const ids = (await readFile(at('bad-out.csv'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(',')[0]);
    expect(ids).toEqual(['id', 'a', 'd']);
  });

  it('stops on a whole-file problem with exit code 2', async () => {
    await writeFile(at('nocol.csv'), 'id,body\n1,text\n');
    const r = await cli('score', at('nocol.csv'), '--lite', '--out', at('x.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The header has no "excerpt" or "text" column (it has: id, body)');
  });

  it('answers a misspelt option or a missing file with exit code 2', async () => {
    expect((await cli('score', at('test.csv'), '--lite', '--outt', 'x')).code).toBe(2);
    const missing = await cli('score', at('nope.csv'), '--lite', '--out', at('x.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect((await cli('frobnicate')).code).toBe(2);
  });
});

describe('fit, then score with the head', () => {
  let head: Head;

  it('sweeps every strategy × valid layer and writes a head that beats the mean', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head.json'),
      '--grid',
      at('grid.json'),
      '--workers',
      '2',
    );
    expect(r.stderr).toContain('wrote');
    expect(r.code).toBe(0);
    const parsed = parseHead(await readFile(at('head.json'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    head = parsed.head;
    expect(head.modelId).toBe('roberta-tiny');
    expect(head.rows).toBe(trainRows.length);

    const grid = JSON.parse(await readFile(at('grid.json'), 'utf8')) as {
      strategies: string[];
      layers: number;
      rmse: (number | null)[][];
      meanPredictorRmse: number;
    };
    const swept = HEAD_STRATEGIES.filter((s) => s !== 'pooler'); // RoBERTa's pooler is untrained
    expect(grid.strategies).toEqual(swept);
    const options = poolOptionsFor(grid.layers);
    swept.forEach((s, i) => {
      const filled = grid.rmse[i].flatMap((v, l) => (v === null ? [] : [l]));
      expect(filled, s).toEqual(validLayers(s, grid.layers, options));
    });
    const y = Float64Array.from(trainRows, (row) => row.target);
    // Predicting the mean scores the targets' population standard deviation.
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    const sd = Math.sqrt(y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length);
    expect(grid.meanPredictorRmse).toBeCloseTo(sd, 12);
    expect(head.cvRmse).toBeLessThan(sd);
    expect(head.cvRmse).toBe(Math.min(...grid.rmse.flat().filter((v) => v !== null)));
    expect(r.stdout).toMatch(/^CV RMSE +L0 +L1 +L2 +L3 +L4\n/);
  });

  it('gives the same grid on one thread as on a worker pool', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head-1.json'),
      '--grid',
      at('grid-1.json'),
      '--workers',
      '1',
    );
    expect(r.code).toBe(0);
    const pooled = JSON.parse(await readFile(at('grid.json'), 'utf8')) as { rmse: unknown };
    const inline = JSON.parse(await readFile(at('grid-1.json'), 'utf8')) as { rmse: unknown };
    expect(inline.rmse).toEqual(pooled.rmse);
  });

  it('sketches wide cells in the quick sweep and still saves the exact fit', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head-quick.json'),
      '--grid',
      at('grid-quick.json'),
      '--strategies',
      'cls,mean,mean-max',
      '--sketch',
      '16',
      '--workers',
      '1',
    );
    expect(r.code).toBe(0);
    type Grid = { strategies: string[]; rmse: (number | null)[][]; sketch: number | null };
    const quick = JSON.parse(await readFile(at('grid-quick.json'), 'utf8')) as Grid;
    const exact = JSON.parse(await readFile(at('grid.json'), 'utf8')) as Grid;
    // The default sketch is 512 columns: no cell of the tiny model is that wide, so that grid is exact.
    expect([quick.sketch, exact.sketch]).toEqual([16, 512]);
    const exactRow = (s: string) => exact.rmse[exact.strategies.indexOf(s)];
    // Hidden 32 > 16: every cell was sketched, so its figure differs from the exact sweep's, except
    // each strategy's best estimate, which was then cross-validated exactly.
    quick.strategies.forEach((s, i) => {
      const same = quick.rmse[i].filter(
        (v, l) => v !== null && Math.abs(v - exactRow(s)[l]!) < 1e-12,
      );
      expect(same.length).toBe(1);
    });
    const parsed = parseHead(await readFile(at('head-quick.json'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const { strategy, layer, cvRmse } = parsed.head;
    // The best of the grid (an exact figure) picked the cell; the head carries that cell's exact CV.
    const quickRow = quick.rmse[quick.strategies.indexOf(strategy)];
    expect(quickRow[layer]).toBe(Math.min(...quick.rmse.flat().filter((v) => v !== null)));
    expect(cvRmse).toBeCloseTo(exactRow(strategy)[layer]!, 12);
    expect(r.stderr).toContain('the quick sweep estimated');

    const both = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('x.json'),
      '--exact',
      '--sketch',
      '8',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--exact and --sketch contradict each other');
  });

  it('fits the cell asked for', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head-wk.json'),
      '--strategies',
      'cls,wk',
      '--strategy',
      'wk',
      '--workers',
      '1',
    );
    expect(r.code).toBe(0);
    const parsed = parseHead(await readFile(at('head-wk.json'), 'utf8'));
    expect(parsed.ok && [parsed.head.strategy, parsed.head.layer]).toEqual(['wk', 4]);
  });

  it('cross-validates learned poolings on the same folds and writes the one asked for', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head-gru.json'),
      '--strategies',
      'cls',
      '--learned',
      'all',
      '--strategy',
      'gru',
      '--workers',
      '1',
    );
    expect(r.code, r.stderr).toBe(0);
    const printed = new Map(
      [...r.stdout.matchAll(/^([a-z0-9-]+) +(\d\.\d{4}) ± \d\.\d{4}$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(r.stdout).toContain(
      'learned poolings (CLS of layers 2–4; conv1d: tokens of layer 4), CV RMSE:',
    );
    expect([...printed.keys()]).toEqual([...LAYERWISE_LEARNED_STRATEGIES, 'conv1d']);
    const parsed = parseHead(await readFile(at('head-gru.json'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const learnedHead = parsed.head;
    expect(learnedHead).toMatchObject({ kind: 'learned', strategy: 'gru', layer: 4 });
    // The GRU carries the principal directions it read: 32 of the tiny model's 32 dimensions.
    expect(learnedHead.kind === 'learned' && learnedHead.projection?.length).toBe(32 * 32);
    expect(learnedHead.cvRmse.toFixed(4)).toBe(printed.get('gru'));
    expect(r.stderr).toContain('wrote');

    // The same CV called directly on the same features: one call for every fold.
    const batch = await withModel(TINY, (engine) =>
      engine.embed(
        trainRows.map((row) => row.text),
        ['cls'],
      ),
    );
    expectDirectLearnedCv(learnedHead, layerInput(batch), batch.layers);

    // Scored like any head, through predictBatch.
    await scoresLikePredictBatch('head-gru.json', learnedHead);
  });

  it('reads the tokens for conv1d, cross-validates it as called directly, and scores with it', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head-conv.json'),
      '--strategies',
      'cls',
      '--strategy',
      'conv1d',
      '--workers',
      '2', // the (pooling, fold) fits on worker threads
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('reading last-layer tokens for conv1d');
    const printed = r.stdout.match(/^conv1d +(\d\.\d{4}) ± \d\.\d{4}$/m);
    const parsed = parseHead(await readFile(at('head-conv.json'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const head = parsed.head;
    if (head.kind !== 'learned') throw new Error('not a learned head');
    expect(head).toMatchObject({ strategy: 'conv1d', layer: 4 });
    expect(head.cvRmse.toFixed(4)).toBe(printed?.[1]);

    // The same tokens and CV, called directly.
    const tokens = await withModel(TINY, (engine) =>
      extractTokenFeatures({
        texts: trainRows.map((row) => row.text),
        info: engine.info,
        dim: DEFAULT_LEARNED_CONFIG.projection,
        db: null,
        embed: (t, p, signal, request) => engine.embed(t, p, undefined, signal, undefined, request),
      }),
    );
    if (!tokens) throw new Error('not read');
    expect(head.tokenProjection).toEqual(Array.from(tokens.directions));
    expectDirectLearnedCv(head, tokens.input, 5);

    await scoresLikePredictBatch('head-conv.json', head);
  });

  it('writes the best of everything cross-validated when no cell is asked for', async () => {
    const r = await cli(
      'fit',
      at('train.csv'),
      '--model',
      TINY,
      '--out',
      at('head-best.json'),
      '--grid',
      at('grid-best.json'),
      '--strategies',
      'cls',
      '--learned',
      'weighted-learned,gru',
      '--workers',
      '1',
    );
    expect(r.code, r.stderr).toBe(0);
    const grid = JSON.parse(await readFile(at('grid-best.json'), 'utf8')) as {
      rmse: (number | null)[][];
    };
    const learnedRmse = [...r.stdout.matchAll(/^(?:weighted-learned|gru) +(\d\.\d{4})/gm)].map(
      (m) => Number(m[1]),
    );
    expect(learnedRmse.length).toBe(2);
    const parsed = parseHead(await readFile(at('head-best.json'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const best = Math.min(...grid.rmse.flat().filter((v) => v !== null), ...learnedRmse);
    expect(parsed.head.cvRmse).toBeCloseTo(best, 4);
  });

  it.each([
    [['--learned', 'lstm,median'], 'Unknown learned pooling "median"'],
    [['--strategies', 'cls,attention'], '"attention" is a learned pooling, not a sweep strategy'],
    [
      ['--strategy', 'gru', '--layer', '2'],
      'reads every layer up to the last (4); leave out --layer',
    ],
  ])('refuses %j with a reason', async (extra, reason) => {
    const r = await cli('fit', at('train.csv'), '--model', TINY, '--out', at('x.json'), ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(reason);
  });

  it('scores with the fitted head exactly as predictBatch does', async () => {
    checkSubmissionShape(await scoresLikePredictBatch('head.json', head), testRows);
  });

  it('refuses a head fitted for another model, with the reason', async () => {
    const r = await cli(
      'score',
      at('test.csv'),
      '--model',
      'public/models/bert-tiny',
      '--head',
      at('head.json'),
      '--out',
      at('x.csv'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('This head was fitted for roberta-tiny (fp32, hidden 32)');
    expect(r.stderr).toContain('Load that model or fit a new head.');
  });
});

describe('embed', () => {
  it('writes one row of pooled features per id', async () => {
    const r = await cli(
      'embed',
      at('test.csv'),
      '--model',
      TINY,
      '--pooling',
      'mean-max',
      '--layer',
      '2',
      '--out',
      at('features.csv'),
    );
    expect(r.code).toBe(0);
    const lines = (await readFile(at('features.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe(['id', ...Array.from({ length: 64 }, (_, k) => `f${k}`)].join(','));
    expect(lines).toHaveLength(testRows.length + 1);

    const batch = await withModel(TINY, (engine) =>
      engine.embed(
        testRows.map((row) => row.text),
        ['cls', 'mean', 'max'],
      ),
    );
    const features = featuresFrom(batch, 'mean-max', 2, poolOptionsFor(batch.layers));
    lines.slice(1).forEach((line, i) => {
      const [id, ...values] = line.split(',');
      expect(id).toBe(testRows[i].id);
      expect(values.map(Number)).toEqual(Array.from(features.subarray(i * 64, (i + 1) * 64)));
    });
  });

  it('refuses a layer the pooling cannot sit at', async () => {
    const r = await cli(
      'embed',
      at('test.csv'),
      '--model',
      TINY,
      '--pooling',
      'wk',
      '--layer',
      '1',
      '--out',
      at('x.csv'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('valid layers: 4');
  });
});

describe('a Hub id', () => {
  let hub: HubServer;
  beforeAll(async () => {
    process.env.READSCOPE_CACHE = at('hub-cache');
    hub = await startHub();
  });
  afterAll(async () => {
    delete process.env.READSCOPE_CACHE;
    await hub.close();
  });

  /** `readscope score` of test.csv with the tiny regression export from the Hub, into `out`. */
  const scoreFromHub = (out: string) =>
    cli(
      'score',
      at('test.csv'),
      '--model',
      `${HUB_ORG}/roberta-tiny-cls`,
      '--host',
      hub.url,
      '--out',
      at(out),
    );
  /** Expects `out` to hold what the same model read from its folder wrote. */
  const expectFolderScores = async (out: string) =>
    expect(await readFile(at(out), 'utf8')).toBe(await readFile(at('sub-cls.csv'), 'utf8'));

  it('loads from the host over HTTP and scores as the same model read from a folder', async () => {
    const r = await scoreFromHub('sub-hub.csv');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`model: ${HUB_ORG}/roberta-tiny-cls (roberta`);
    expect(hub.requests.map((q) => q.path)).toContain(
      `/${HUB_ORG}/roberta-tiny-cls/resolve/main/onnx/model.onnx`,
    );
    await expectFolderScores('sub-hub.csv');
  });

  it('keeps the Hub model on disk, so a second run reads it from there without a request', async () => {
    expect((await scoreFromHub('sub-hub-1.csv')).code).toBe(0);
    // One folder holds the whole model: its config and ONNX file beside transformers.js's
    // tokenizer files.
    const folder = join(at('hub-cache'), HUB_ORG, 'roberta-tiny-cls');
    for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
      expect(await readFile(join(folder, file))).toEqual(
        await readFile(join('public/models/roberta-tiny-cls', file)),
      );
    }
    const asked = hub.requests.length;
    expect((await scoreFromHub('sub-hub-2.csv')).code).toBe(0);
    expect(hub.requests.slice(asked)).toEqual([]);
    await expectFolderScores('sub-hub-2.csv');
  });

  it('says why a model file could not be kept, and scores all the same', async () => {
    process.env.READSCOPE_CACHE = at('test.csv'); // a file: no folder can be made under it
    try {
      const r = await scoreFromHub('sub-hub-3.csv');
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(
        /model: could not keep http:\/\/.*\/onnx\/model\.onnx in .*test\.csv/,
      );
      expect(r.stderr).toContain('the next run downloads it again');
      await expectFolderScores('sub-hub-3.csv');
    } finally {
      process.env.READSCOPE_CACHE = at('hub-cache');
    }
  });

  it('says why a broken Hub model did not load, with exit code 2', async () => {
    const r = await cli(
      'score',
      at('test.csv'),
      '--model',
      'broken/missing-onnx',
      '--host',
      hub.url,
      '--out',
      at('x.csv'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('The model did not load: The model has no onnx/model.onnx');
  });
});

describe('bin/readscope.mjs', () => {
  const launch = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/readscope.mjs', ...args], { encoding: 'utf8' });

  it('prints help and exits 0', () => {
    const r = launch('score', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: readscope score');
  });

  it('scores with the lite model end to end', async () => {
    const r = launch('score', at('test.csv'), '--lite', '--out', at('sub-launch.csv'));
    expect(r.stderr).toContain('wrote 60 scores');
    expect(r.status).toBe(0);
    expect(await readFile(at('sub-launch.csv'), 'utf8')).toBe(
      await readFile(at('sub-lite.csv'), 'utf8'),
    );
  });

  it('exits 2 on bad input', () => {
    expect(launch('score', at('test.csv')).status).toBe(2);
  });
});
