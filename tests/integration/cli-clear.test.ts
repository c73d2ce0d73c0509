/**
 * `readscope fit --clear` on a bundled fixture model (real onnxruntime-node, a temp folder, the
 * committed copy of the corpus): the head it writes says what it was fitted on, its CV is the one
 * the analysis gives on the same subset's features, and `readscope score` scores with it exactly as
 * the pipeline does when called directly.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHead, type RidgeHead } from '../../src/analysis/head.ts';
import { ridgeCV } from '../../src/analysis/crossValidate.ts';
import { CLEAR_CORPUS_FILE } from '../../src/cli/clear.ts';
import { goodRows, parseTrainCsv } from '../../src/data/csv.ts';
import { submissionCsv } from '../../src/data/submission.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { stratifiedSubset } from '../../src/pipeline/clearCorpus.ts';
import { FIT_POOLINGS } from '../../src/pipeline/fitRun.ts';
import { batchPoolingFor, featuresFrom, predictBatch } from '../../src/pipeline/scoring.ts';
import { cli } from '../support/cli.ts';

const TINY = 'public/models/roberta-tiny';
const SUBSET = 40;

let dir: string;
const at = (name: string) => join(dir, name);

/** The corpus's rows as the browser reads them. */
async function corpusRows() {
  return goodRows(await parseTrainCsv(new Uint8Array(await readFile(CLEAR_CORPUS_FILE))));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readscope-clear-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readscope fit --clear', () => {
  it('fits a head on a stratified subset, then readscope score uses it', async () => {
    const fitted = await cli(
      'fit',
      '--clear',
      '--subset',
      String(SUBSET),
      '--model',
      TINY,
      '--out',
      at('head.json'),
    );
    expect(fitted.code, fitted.stderr).toBe(0);
    expect(fitted.stderr).toContain('CLEAR corpus, 40 of 3,538 excerpts, stratified by target.');
    expect(fitted.stderr).toContain('Behavior Research Methods, 55, 491–507');
    expect(fitted.stderr).toContain('CC BY-NC-SA 4.0');
    const parsed = parseHead(await readFile(at('head.json'), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    const head = parsed.head as RidgeHead;
    expect(head).toMatchObject({
      modelId: 'roberta-tiny',
      rows: SUBSET,
      trainedOn: 'CLEAR corpus, 40 of 3,538 excerpts (Crossley et al. 2023, CC BY-NC-SA 4.0)',
    });

    // The same subset through the engine and the analysis, called directly.
    const all = await corpusRows();
    const subset = stratifiedSubset(all, SUBSET);
    const rest = all.filter((r) => !subset.includes(r)).slice(0, 12);
    const engine = await loadNodeEngine(await folderSource(TINY));
    let expected: string;
    try {
      const batch = await engine.embed(
        subset.map((r) => r.text),
        [...FIT_POOLINGS],
      );
      const x = featuresFrom(batch, head.strategy, head.layer, head.poolOptions);
      const y = subset.map((r) => r.target);
      const direct = ridgeCV({ data: x, rows: SUBSET, cols: x.length / SUBSET }, y, {
        folds: 5,
        seed: 42,
      });
      expect(head.cvRmse).toBeCloseTo(direct.rmse, 10);
      expect(head.alpha).toBe(direct.alpha);
      const scored = await engine.embed(
        rest.map((r) => r.text),
        batchPoolingFor(head),
      );
      const predictions = predictBatch(head, scored);
      expected = submissionCsv(
        rest.map((r) => r.id),
        rest.map((r, i) => ({ id: r.id, target: predictions[i] })),
      );
    } finally {
      await engine.release();
    }

    await writeFile(at('test.csv'), Papa.unparse(rest.map((r) => ({ id: r.id, excerpt: r.text }))));
    const scored = await cli(
      'score',
      at('test.csv'),
      '--model',
      TINY,
      '--head',
      at('head.json'),
      '--out',
      at('submission.csv'),
    );
    expect(scored.code, scored.stderr).toBe(0);
    expect(await readFile(at('submission.csv'), 'utf8')).toBe(expected);
  });

  it.each([
    [['--subset', '5'], /--subset must be all or a whole number of excerpts, at least 10; got "5"/],
    [['--subset', 'half'], /--subset must be all or a whole number/],
    [['train.csv'], /--clear fits on the shipped corpus; leave out the CSV file/],
  ])('refuses %j with a clear message and exit code 2', async (extra, message) => {
    const r = await cli('fit', '--clear', ...extra, '--model', TINY, '--out', at('x.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('refuses --subset without --clear', async () => {
    const r = await cli(
      'fit',
      'train.csv',
      '--subset',
      '40',
      '--model',
      TINY,
      '--out',
      at('x.json'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--subset picks excerpts of the CLEAR corpus; add --clear/);
  });
});
