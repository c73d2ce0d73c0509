/**
 * The Fit view in Chromium on the roberta-tiny fixture: a labelled CommonLit file whose target is
 * a fixed function of the share of long words; features are extracted and cached, the sweep fills
 * the strategy × layer heatmap, the best head is saved, made active and exported, and the Batch
 * view scores a test file with it. The head and the submission are kept as artefacts for the CLI
 * cross-check, and the same rows are scored here in Node (onnxruntime-node) with the same glue.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { parseHead } from '../../src/analysis/head.ts';
import {
  LAYERWISE_LEARNED_STRATEGIES,
  STRATEGIES,
  type LearnedStrategy,
} from '../../src/analysis/pooling.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { sweepPlan } from '../../src/pipeline/fitRun.ts';
import { artefactDir, openServedModel, serveAppInChromium } from '../support/browser.ts';
import { commonLitCsv } from '../support/commonlit-csv.ts';

const MODEL = 'public/models/roberta-tiny';
const train = commonLitCsv({ rows: 160, seed: 11, labelled: true });
const test = commonLitCsv({ rows: 300, seed: 12, malformed: true });
/** WASM in the browser and onnxruntime-node on the CPU sum in different orders. */
const CROSS_BACKEND_TOLERANCE = 1e-4;

const env = serveAppInChromium();

async function download(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFile((await dl.path())!);
}

/** A CSV's body rows, split at commas (the ids and numbers here hold none). */
const csvRows = (text: string) =>
  text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

/** The same head on the same file through the command line (onnxruntime-node on the CPU). */
async function scoreWithCli(headBytes: Buffer, csv: string, extra: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'readscope-cli-'));
  await writeFile(join(dir, 'head.json'), headBytes);
  await writeFile(join(dir, 'test.csv'), csv);
  let stderr = '';
  const io = {
    stdout: { write: () => true, isTTY: false },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
    cwd: dir,
  } as unknown as CliIo;
  const args = ['score', 'test.csv', '--model', join(process.cwd(), MODEL), '--head', 'head.json'];
  const code = await main([...args, '--out', 'cli.csv', '--threads', '1', ...extra], io);
  expect(code, stderr).toBe(0);
  return csvRows(await readFile(join(dir, 'cli.csv'), 'utf8'));
}

/** The Fit view on the tiny model, loaded on WASM, with the labelled file picked. */
async function fitViewWithTrain(context: BrowserContext): Promise<Page> {
  const page = await openServedModel(context, env.url, '/models/roberta-tiny', {
    extra: '&view=fit',
  });
  await page.getByLabel('Labelled texts (CSV with a target column)').setInputFiles({
    name: 'train.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(train.csv),
  });
  return page;
}

/** The Fit view swept on the labelled file; `meanRmse` is what predicting the mean scores. */
async function sweptFitView(context?: BrowserContext): Promise<{ page: Page; meanRmse: number }> {
  const page = await fitViewWithTrain(context ?? (await env.browser.newContext()));
  await page
    .getByRole('button', { name: `Extract features and sweep ${train.ids.length} rows` })
    .click();
  await page.getByTestId('selected-head').waitFor({ timeout: 120_000 });
  const summary = (await page.getByTestId('sweep-results').locator('p').first().textContent())!;
  return { page, meanRmse: Number(summary.match(/RMSE of ([\d.]+)/)![1]) };
}

/**
 * Saves the selected learned pooling as the active head, checks the head list names it, and
 * exports it: its bytes and the parsed head, whose CV is the one the table showed.
 */
async function saveLearnedHead(page: Page, strategy: LearnedStrategy, shownRmse: string) {
  const picked = page.getByTestId('learned-selected');
  await picked.getByRole('button', { name: 'Save and make this head active' }).click();
  const heads = page.getByTestId('head-list');
  await heads.getByText('(active)').waitFor();
  const reads = strategy === 'conv1d' ? 'tokens of layer 4' : 'layers 2–4';
  expect(await heads.getByText(`${STRATEGIES[strategy].label}, ${reads}`).count()).toBe(1);
  const headBytes = await download(page, () =>
    heads.getByRole('button', { name: /^Export .* as JSON$/ }).click(),
  );
  const parsed = parseHead(headBytes.toString('utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  const head = parsed.head;
  if (head.kind !== 'learned') throw new Error('not a learned head');
  expect(head).toMatchObject({ strategy, layer: 4 });
  expect(`${head.cvRmse.toFixed(3)} ± ${head.cvRmseStd.toFixed(3)}`).toBe(shownRmse);
  return { headBytes, head };
}

/**
 * The active head scores a small file in the Batch view, the Read view shows its reading of the
 * first text as the batch scored it, and the command line (CPU) scores the file alike. Closes the
 * page's context.
 */
async function scoresAlikeEverywhere(page: Page, headBytes: Buffer, readingKey: string) {
  const small = commonLitCsv({ rows: 40, seed: 13 });
  await page.getByRole('tab', { name: 'Score a file' }).click();
  await page.getByLabel('Texts to score (CSV)').setInputFiles({
    name: 'test.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(small.csv),
  });
  await page.getByRole('button', { name: `Score ${small.ids.length} rows` }).click();
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 120_000 });
  const submission = (
    await download(page, () =>
      page.getByRole('button', { name: 'Download submission.csv' }).click(),
    )
  ).toString('utf8');
  const browser = csvRows(submission);

  await page.getByRole('tab', { name: 'Read a text' }).click();
  await page.getByRole('textbox', { name: /Text/ }).fill(small.texts[0]);
  const reading = page.getByTestId('head-bars').locator(`tr[data-head="${readingKey}"] td`);
  // Polled: the row is there before the typed text's reading replaces the default text's.
  const batchScore = Number(browser[0][1]);
  await expect
    .poll(async () => Math.abs(Number(await reading.first().textContent()) - batchScore), {
      timeout: 60_000,
    })
    .toBeLessThan(0.005 + 1e-4); // shown to 2 places

  // The Compare view scores with the active head too, and its CV RMSE is the error.
  await page.getByRole('tab', { name: 'Compare two texts' }).click();
  await page.getByLabel('Text A').fill(small.texts[0]);
  await page.getByLabel('Text B').fill(small.texts[1]);
  await page.getByText(/P\(A reads easier than B\) = .*95% interval/).waitFor({ timeout: 60_000 });
  for (const [side, row] of [
    ['A', 0],
    ['B', 1],
  ] as const) {
    const shown = (await page.getByText(new RegExp(`^Score ${side}: `)).textContent())!;
    const [target] = shown.slice(`Score ${side}: `.length).split(' ± ');
    expect(Math.abs(Number(target) - Number(browser[row][1]))).toBeLessThan(0.005 + 1e-4);
  }
  expect(await page.getByText(/^Scored by the head “.*” on roberta-tiny \(CV RMSE/).count()).toBe(
    1,
  );
  await page.context().close();

  const cli = await scoreWithCli(headBytes, small.csv);
  expect(browser.map((r) => r[0])).toEqual(small.ids);
  expect(cli.map((r) => r[0])).toEqual(small.ids);
  const diff = Math.max(...browser.map((r, i) => Math.abs(Number(r[1]) - Number(cli[i][1]))));
  console.log(`${readingKey} head, browser vs CLI: max |Δtarget| = ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(CROSS_BACKEND_TOLERANCE);
}

it('fits every (strategy, layer) head, exports the best, and scores a file with it', async () => {
  const context = await env.browser.newContext();
  const page = await fitViewWithTrain(context);
  const fit = page.getByRole('button', {
    name: `Extract features and sweep ${train.ids.length} rows`,
  });
  let started = Date.now();
  await fit.click();
  const heatmap = page.getByTestId('sweep-heatmap');
  await heatmap.waitFor({ timeout: 120_000 });

  // Every parameter-free strategy at every layer it can sit on, one best cell.
  console.log(`fit: features and sweep in ${Date.now() - started} ms`);
  const expected = sweepPlan(5).cells;
  const cells = heatmap.locator('button.cell');
  expect(await cells.count()).toBe(expected.length);
  const best = heatmap.locator('button.cell.best');
  expect(await best.count()).toBe(1);
  expect(await best.textContent()).toMatch(/^★ \d\.\d{3}$/);
  const bestRmse = Number((await best.textContent())!.slice(2));
  const summary = (await page.getByTestId('sweep-results').locator('p').first().textContent())!;
  const meanRmse = Number(summary.match(/RMSE of ([\d.]+)/)![1]);
  // The target is learnable from the features: the best head beats the mean predictor clearly.
  expect(bestRmse).toBeLessThan(0.7 * meanRmse);
  // The RMSE-by-layer lines and the out-of-fold scatter for the best cell.
  await page
    .getByText(/out-of-fold RMSE [\d.]+ over 160 rows/)
    .first()
    .waitFor();
  expect(await page.locator('.fit-charts canvas').count()).toBe(2);
  await page.screenshot({ path: join(artefactDir(), 'fit-view.png'), fullPage: true });

  // Keyboard: another cell can be chosen from the keyboard and inspected.
  await cells.first().focus();
  await page.keyboard.press('Enter');
  expect(await cells.first().getAttribute('aria-pressed')).toBe('true');
  await best.click();
  await page.getByRole('button', { name: 'Save and make this head active' }).click();
  const heads = page.getByTestId('head-list');
  await heads.getByText('(active)').waitFor();

  const headBytes = await download(page, () =>
    heads.getByRole('button', { name: /^Export .* as JSON$/ }).click(),
  );
  const parsed = parseHead(headBytes.toString('utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  const head = parsed.head;
  expect(head.modelId).toBe('roberta-tiny');
  expect(head.rows).toBe(train.ids.length);
  expect(head.cvRmse.toFixed(3)).toBe(bestRmse.toFixed(3));
  await writeFile(join(artefactDir(), 'fit-head.json'), headBytes);

  // A broken head file is refused with its reason.
  await page.getByLabel('Import a head (JSON)').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ ...head, weights: [1, 2] })),
  });
  expect(await page.getByRole('alert').first().textContent()).toMatch(
    /broken.json was not imported: weights must hold \d+ finite numbers/,
  );

  // The page is cross-origin isolated, so the feature table is shared and the cells were dealt to
  // one sweep worker per core.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const sweepWorkers = page.workers().filter((w) => w.url().includes('sweep.worker'));
  expect(sweepWorkers.length).toBe(Math.min(cores, 4));

  // That sweep was exact: every cell (32 to 128 features) is narrower than the default sketch.
  expect(await page.getByTestId('quick-sweep-note').count()).toBe(0);
  const keyOf = async (cell: ReturnType<typeof cells.first>) =>
    `${await cell.getAttribute('data-strategy')}@${await cell.getAttribute('data-layer')}`;
  const exactRmse = new Map<string, string>();
  for (const cell of await cells.all())
    exactRmse.set(await keyOf(cell), (await cell.textContent())!.replace('★ ', ''));

  // A quick sweep with a 16-column sketch, on features cached by the first run (read from
  // IndexedDB). Every cell is estimated on its sketch; each strategy's best layer is then
  // cross-validated exactly, and the best cell is picked from those exact figures: each is the
  // exact sweep's figure for its cell.
  await page.getByLabel('Sketch size (columns)').fill('16');
  await fit.click();
  await page
    .getByText(`features of ${train.ids.length} texts read from the cache, 0 computed`)
    .waitFor({ timeout: 120_000 });
  // The selection comes once the confirmation is done (it shows its progress meanwhile).
  const selected = page.getByTestId('selected-head');
  await selected.waitFor({ timeout: 120_000 });
  expect(await page.getByTestId('confirming').count()).toBe(0);
  const strategies = new Set(expected.map((c) => c.strategy));
  const note = (await page.getByTestId('quick-sweep-note').textContent())!;
  expect(note).toContain(
    `${expected.length} of the ${expected.length} cells have more than 16 features`,
  );
  expect(note).toContain(`Each strategy's best layer (${strategies.size} cells) was then`);
  const shown = new Map<string, { rmse: string; estimated: boolean }>();
  for (const cell of await cells.all())
    shown.set(await keyOf(cell), {
      rmse: (await cell.textContent())!.replace('★ ', ''),
      estimated: (await cell.getAttribute('class'))!.includes('sketched'),
    });
  // One exact cell per strategy, carrying the exact sweep's figure.
  const confirmedCells = [...shown].filter(([, v]) => !v.estimated);
  expect(new Set(confirmedCells.map(([key]) => key.split('@')[0]))).toEqual(strategies);
  expect(confirmedCells.length).toBe(strategies.size);
  for (const [key, v] of confirmedCells) expect(v.rmse).toBe(exactRmse.get(key));
  const bestKey = await keyOf(best);
  expect(confirmedCells.map(([key]) => key)).toContain(bestKey);
  const lowest = Math.min(...[...shown.values()].map((v) => Number(v.rmse)));
  expect(Number(shown.get(bestKey)!.rmse)).toBe(lowest);
  const line = (await selected.textContent())!;
  expect(line).toMatch(/the quick sweep estimated \d\.\d{3}\)/);
  expect(line).toContain(`CV RMSE ${exactRmse.get(bestKey)} ±`);
  await page.screenshot({ path: join(artefactDir(), 'fit-view-quick.png'), fullPage: true });

  // Score a test file with the active head in the Batch view.
  await page.getByRole('tab', { name: 'Score a file' }).click();
  await page.getByLabel('Texts to score (CSV)').setInputFiles({
    name: 'test.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(test.csv),
  });
  await page.getByRole('button', { name: 'Skip these 4 rows' }).click();
  expect(await page.getByTestId('scorer-used').textContent()).toMatch(/the head ".*" \(\w/);
  started = Date.now();
  await page.getByRole('button', { name: `Score ${test.ids.length} rows` }).click();
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 120_000 });
  console.log(`batch: ${test.ids.length} rows in ${Date.now() - started} ms`);
  const submission = (
    await download(page, () =>
      page.getByRole('button', { name: 'Download submission.csv' }).click(),
    )
  ).toString('utf8');
  await writeFile(join(artefactDir(), 'fit-submission.csv'), submission);
  await writeFile(join(artefactDir(), 'fit-test.csv'), test.csv);
  const full = (
    await download(page, () => page.getByRole('button', { name: 'Download full results' }).click())
  ).toString('utf8');
  expect(full.split('\n')[0]).toMatch(/,head: .*$/); // the saved head's own column
  await context.close();

  const rows = csvRows(submission);
  expect(rows.map((r) => r[0])).toEqual(test.ids);
  const cliRows = await scoreWithCli(headBytes, test.csv, ['--skip-bad-rows']);
  expect(cliRows.map((r) => r[0])).toEqual(test.ids);
  const diff = Math.max(...rows.map((r, i) => Math.abs(Number(r[1]) - Number(cliRows[i][1]))));
  console.log(`browser (WASM) vs CLI (onnxruntime-node): max |Δtarget| = ${diff.toExponential(2)}`);
  expect(diff).toBeLessThan(CROSS_BACKEND_TOLERANCE);
});

it('cross-validates the learned poolings on the sweep’s features, saves one, and scores with it', async () => {
  const { page, meanRmse } = await sweptFitView();

  const section = page.getByTestId('learned-poolings');
  const start = Date.now();
  await section.getByRole('button', { name: 'Cross-validate 4 learned poolings' }).click();
  const table = section.getByTestId('learned-results');
  await table.locator('tbody tr').nth(3).waitFor({ timeout: 120_000 });
  console.log(`learned poolings: 4 × 5 folds in ${Date.now() - start} ms`);
  const rows = await table.locator('tbody tr').all();
  expect(await Promise.all(rows.map((r) => r.getAttribute('data-strategy')))).toEqual([
    'weighted-learned',
    'attention',
    'lstm',
    'gru',
  ]);
  const heatmap = page.getByTestId('sweep-heatmap');
  for (const row of rows) {
    const [rmse, counterpart] = await row.locator('td').allTextContents();
    expect(rmse).toMatch(/^\d\.\d{3} ± \d\.\d{3}$/);
    // Each is the mean predictor's match or better on a learnable target.
    expect(Number(rmse.split(' ')[0])).toBeLessThan(meanRmse);
    // The counterpart is the grid's own cell at the last layer (layer 4 of the tiny model).
    const strategy = (await row.getAttribute('data-strategy'))!;
    const other = strategy === 'lstm' || strategy === 'gru' ? 'cls' : 'weighted-uniform';
    const cell = heatmap.locator(`button.cell[data-strategy="${other}"][data-layer="4"]`);
    expect(counterpart).toContain((await cell.textContent())!.replace('★ ', ''));
  }

  // Weighted layers: fitted on every row, its layer weights shown, saved and made active.
  const weightedRmse = (await rows[0].locator('td').first().textContent())!;
  await rows[0].getByRole('button', { name: /^Fit Weighted layers \(learned\)/ }).click();
  const picked = section.getByTestId('learned-selected');
  await picked.waitFor({ timeout: 60_000 });
  const weights = (await picked.getByTestId('learned-layer-weights').textContent())!;
  const values = [...weights.matchAll(/L(\d) (\d\.\d{3})/g)];
  expect(values.map((m) => m[1])).toEqual(['2', '3', '4']);
  expect(values.reduce((s, m) => s + Number(m[2]), 0)).toBeCloseTo(1, 2);
  expect(await picked.locator('canvas').count()).toBe(1);
  const { headBytes } = await saveLearnedHead(page, 'weighted-learned', weightedRmse);
  await page.screenshot({ path: join(artefactDir(), 'fit-view-learned.png'), fullPage: true });

  await scoresAlikeEverywhere(page, headBytes, 'weighted-learned@4');
});

/** Conv1D alone cross-validated in the swept Fit view; its results row and its tokens line. */
async function crossValidateConv1d(page: Page) {
  const section = page.getByTestId('learned-poolings');
  for (const s of LAYERWISE_LEARNED_STRATEGIES)
    await section.getByLabel(STRATEGIES[s].label, { exact: true }).uncheck();
  await section.getByLabel('Conv1D', { exact: true }).check();
  await section.getByRole('button', { name: 'Cross-validate 1 learned pooling' }).click();
  const row = section.getByTestId('learned-results').locator('tbody tr[data-strategy="conv1d"]');
  await row.waitFor({ timeout: 120_000 });
  const tokens = (await section.getByTestId('conv1d-tokens').textContent())!;
  return { section, row, tokens };
}

it('reads the texts’ tokens for Conv1D, cross-validates and saves it, and scores with it', async () => {
  const first = await sweptFitView();
  const firstRun = await crossValidateConv1d(first.page);
  expect(firstRun.tokens).toContain('read the tokens of 160 texts, 0 of them from the cache');
  const [firstRmse] = await firstRun.row.locator('td').allTextContents();

  // Another page of the same browser profile reads the tokens from the cache, to the same CV.
  const { page, meanRmse } = await sweptFitView(first.page.context());
  const { section, row, tokens } = await crossValidateConv1d(page);
  expect(tokens).toContain('read the tokens of 160 texts, 160 of them from the cache');
  expect(await page.getByTestId('sweep-results').locator('p').first().textContent()).toContain(
    'features of 160 texts read from the cache',
  );
  // The first page sweeps again from the cache; once it is cleared, from the model.
  const sweepFirst = async (expected: string) => {
    await first.page
      .getByRole('button', { name: `Extract features and sweep ${train.ids.length} rows` })
      .click();
    const summary = first.page.getByTestId('sweep-results').locator('p').first();
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toContain(expected);
  };
  await sweepFirst('features of 160 texts read from the cache, 0 computed');
  await first.page.getByRole('button', { name: 'Clear cached features' }).click();
  await first.page.getByText(/^Cached features cleared/).waitFor();
  await sweepFirst('features of 0 texts read from the cache, 160 computed');
  await first.page.close();
  const [rmse, counterpart] = await row.locator('td').allTextContents();
  expect(rmse).toBe(firstRmse);
  expect(rmse).toMatch(/^\d\.\d{3} ± \d\.\d{3}$/);
  expect(Number(rmse.split(' ')[0])).toBeLessThan(meanRmse);
  // Its counterpart is max pooling of the last layer, the grid's own cell.
  const cell = page
    .getByTestId('sweep-heatmap')
    .locator('button.cell[data-strategy="max"][data-layer="4"]');
  expect(counterpart).toContain((await cell.textContent())!.replace('★ ', ''));

  await row.getByRole('button', { name: 'Fit Conv1D on every row' }).click();
  const picked = section.getByTestId('learned-selected');
  await picked.waitFor({ timeout: 60_000 });
  expect(await picked.textContent()).toContain('Conv1D, tokens of layer 4');
  const { headBytes, head } = await saveLearnedHead(page, 'conv1d', rmse);
  expect(head.tokenProjection).toHaveLength(head.featureMean.length * 32);

  await scoresAlikeEverywhere(page, headBytes, 'conv1d@4');
});
