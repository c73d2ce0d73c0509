/**
 * The Batch view in Chromium on a bundled regression fixture: upload a 320-row CommonLit test.csv
 * with planted bad rows, decide to skip them, score, download submission.csv and check it row for
 * row; then reload mid-run, resume, and get a byte-identical file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { predictLite } from '../../src/readability/lite.ts';
import {
  artefactDir,
  openServedModel,
  serveAppInChromium,
  waitForBackend,
} from '../support/browser.ts';
import { commonLitCsv } from '../support/commonlit-csv.ts';

const ROWS = 320;
const CHUNK = 8;
const generated = commonLitCsv({ rows: ROWS, seed: 7, malformed: true });
const FILE = { name: 'test.csv', mimeType: 'text/csv', buffer: Buffer.from(generated.csv) };
const LOAD_TIMEOUT = 120_000;

const env = serveAppInChromium();
/** The submission of an unbroken run, to compare the resumed run with. */
let unbroken: Buffer | undefined;

function openBatch(context: BrowserContext, chunk = CHUNK): Promise<Page> {
  return openServedModel(context, env.url, '/models/roberta-tiny-cls', {
    extra: `&view=batch&chunk=${chunk}`,
    timeout: LOAD_TIMEOUT,
  });
}

/** Uploads the generated file and takes the "skip" decision after checking the listed problems. */
async function uploadAndSkip(page: Page) {
  await page.getByLabel('Texts to score (CSV)').setInputFiles(FILE);
  const table = page.getByTestId('row-problems');
  await table.waitFor({ timeout: 60_000 });
  const listed = await table
    .locator('tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
    );
  expect(listed.map(([line, id]) => [Number(line), id])).toEqual(
    generated.problems.map((p) => [p.line, p.id ?? '—']),
  );
  const reasons = listed.map((r) => r[2]);
  expect(reasons[0]).toBe('the text is empty');
  expect(reasons[1]).toMatch(
    new RegExp(`the id "${generated.ids[3]}" was already used on line \\d+`),
  );
  expect(reasons[2]).toMatch(/the row has 5 fields but the header has 4/);
  expect(reasons[3]).toBe('the id is empty');
  // Nothing can be scored until the user has decided.
  expect(await page.getByRole('button', { name: /^Score \d+ rows$/ }).count()).toBe(0);
  await page.getByRole('button', { name: 'Skip these 4 rows' }).click();
}

/**
 * In a fresh context (nothing saved yet): the file uploaded, the bad rows skipped and scoring
 * started; returns once at least `rows` rows are done.
 */
async function scoreUntil(rows: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await env.browser.newContext();
  const page = await openBatch(context);
  await uploadAndSkip(page);
  await page.getByRole('button', { name: `Score ${ROWS} rows` }).click();
  await page.waitForFunction(
    (min) => Number(document.querySelector('[data-done]')?.getAttribute('data-done')) >= min,
    rows,
    { polling: 'raf', timeout: 60_000 },
  );
  return { context, page };
}

async function download(page: Page, button: string): Promise<Buffer> {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: button }).click(),
  ]);
  return readFile((await dl.path())!);
}

/** How many rows the store holds for the (only) batch of this context. */
async function storedRows(page: Page): Promise<{ scoredRows: number; totalRows: number }[]> {
  return page.evaluate(`(async () => {
    const m = await import('/src/data/store.ts');
    const db = await m.openStore();
    const all = await m.listBatches(db);
    db.close();
    return all.map((b) => ({ scoredRows: b.scoredRows, totalRows: b.totalRows }));
  })()`);
}

it('uploads, validates, scores and downloads a submission checked row for row', async () => {
  const context = await env.browser.newContext();
  const page = await openBatch(context);
  await uploadAndSkip(page);
  expect(await page.getByTestId('scorer-used').textContent()).toMatch(
    /fine-tuned regression output of roberta-tiny-cls/,
  );
  await page.getByRole('button', { name: `Score ${ROWS} rows` }).click();
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 120_000 });
  expect(await page.getByTestId('batch-status').textContent()).toBe(
    `Done: ${ROWS} of ${ROWS} rows scored.`,
  );
  const absent = (await page.getByTestId('absent-ids').textContent()) ?? '';
  // The duplicate's id is in the file once (its first row); the other skipped ids are absent.
  for (const p of generated.problems.filter((p) => p.code !== 'duplicate-id' && p.id))
    expect(absent).toContain(p.id);
  expect(absent).not.toContain(generated.ids[3]);
  expect(absent).toContain('1 skipped rows had no id');

  const bytes = await download(page, 'Download submission.csv');
  const text = bytes.toString('utf8');
  expect(bytes[0]).not.toBe(0xef); // no BOM
  expect(text).not.toContain('\r');
  expect(text.endsWith('\n')).toBe(true);
  const [header, ...lines] = text.slice(0, -1).split('\n');
  expect(header).toBe('id,target');
  expect(lines).toHaveLength(generated.ids.length);
  lines.forEach((line, i) => {
    const [id, target] = line.split(',');
    expect(id).toBe(generated.ids[i]);
    expect(Number.isFinite(Number(target))).toBe(true);
  });
  unbroken = bytes;
  await writeFile(join(artefactDir(), 'batch-submission.csv'), bytes);

  const full = (await download(page, 'Download full results')).toString('utf8');
  const [fullHeader, ...fullLines] = full.slice(0, -1).split('\n');
  expect(fullHeader.split(',').slice(0, 4)).toEqual(['id', 'target', 'lite', 'flesch']);
  expect(fullLines.map((l) => l.split(',').slice(0, 2).join(','))).toEqual(lines);
  await writeFile(join(artefactDir(), 'batch-results.csv'), full);
  expect(await page.locator('figure.chart canvas').count()).toBe(1); // the histogram
  expect(await storedRows(page)).toEqual([{ scoredRows: ROWS, totalRows: ROWS }]);
  await context.close();
});

it('resumes after a reload mid-run and writes a file identical to the unbroken run', async () => {
  expect(unbroken, 'the unbroken run must pass first').toBeDefined();
  // Reload as soon as a few chunks are saved, well before the end.
  const { context, page } = await scoreUntil(5 * CHUNK);
  await page.reload();
  await waitForBackend(page, LOAD_TIMEOUT);
  const [before] = await storedRows(page);
  expect(before.scoredRows).toBeGreaterThanOrEqual(5 * CHUNK);
  expect(before.scoredRows).toBeLessThan(ROWS);
  expect(before.scoredRows % CHUNK).toBe(0); // whole chunks only

  await expect
    .poll(() => page.getByRole('region', { name: 'Unfinished batches' }).textContent())
    .toMatch(new RegExp(`test.csv: ${before.scoredRows} of ${ROWS} rows scored`));
  await uploadAndSkip(page);
  expect(await page.getByTestId('scorer-used').textContent()).toContain(
    `${before.scoredRows} of ${ROWS} rows are already saved`,
  );
  await page
    .getByRole('button', { name: `Resume (${ROWS - before.scoredRows} rows left)` })
    .click();
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 120_000 });
  const resumed = await download(page, 'Download submission.csv');
  await writeFile(join(artefactDir(), 'batch-submission-resumed.csv'), resumed);
  expect(resumed.equals(unbroken!)).toBe(true);
  // Each row was saved once: the store's count is exactly the row count.
  expect(await storedRows(page)).toEqual([{ scoredRows: ROWS, totalRows: ROWS }]);
  await context.close();
});

it('cancels inside a chunk, keeps the model, and resumes to the same file', async () => {
  expect(unbroken, 'the unbroken run must pass first').toBeDefined();
  const context = await env.browser.newContext();
  // A first chunk of 256 rows (the largest the view allows), so only a cancel that reaches into
  // the engine stops before anything is saved.
  const page = await openBatch(context, 256);
  await uploadAndSkip(page);
  await page.getByRole('button', { name: `Score ${ROWS} rows` }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page
    .getByTestId('batch-status')
    .filter({ hasText: 'Cancelled' })
    .waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('batch-status').textContent()).toBe(
    `Cancelled: 0 of ${ROWS} rows are scored and saved. Resume to finish.`,
  );
  expect(await page.getByTestId('batch-recovered').count()).toBe(0); // no restart, no reload
  await page.getByRole('button', { name: `Score ${ROWS} rows` }).click(); // nothing was saved
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 120_000 });
  expect((await download(page, 'Download submission.csv')).equals(unbroken!)).toBe(true);
  await context.close();
});

it('carries on when the engine worker crashes mid-batch, with no row lost or scored twice', async () => {
  expect(unbroken, 'the unbroken run must pass first').toBeDefined();
  const { context, page } = await scoreUntil(3 * CHUNK);
  // An uncaught exception inside the real engine worker, as a crash in ORT or the tokenizer would be.
  const engineWorker = page.workers().find((w) => w.url().includes('engine/worker'));
  expect(
    engineWorker,
    page
      .workers()
      .map((w) => w.url())
      .join(', '),
  ).toBeDefined();
  await engineWorker!.evaluate(() => {
    // Thrown from a task of its own (no delay), so it escapes evaluate's promise uncaught.
    setTimeout(() => {
      throw new Error('simulated crash in the engine worker');
    });
  });
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 180_000 });
  expect(await page.getByTestId('batch-recovered').textContent()).toMatch(
    /engine stopped mid-batch/,
  );
  const after = await download(page, 'Download submission.csv');
  expect(after.equals(unbroken!)).toBe(true);
  expect(await storedRows(page)).toEqual([{ scoredRows: ROWS, totalRows: ROWS }]);
  await context.close();
});

it('refuses a file without an id column, and scores with the lite model when no head fits', async () => {
  const context = await env.browser.newContext();
  const page = await openServedModel(context, env.url, '/models/roberta-tiny', {
    extra: '&view=batch',
    timeout: LOAD_TIMEOUT,
  });
  const input = page.getByLabel('Texts to score (CSV)');
  await input.setInputFiles({
    name: 'wrong.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('name,excerpt\nx,Some text.\n'),
  });
  expect(await page.getByRole('alert').textContent()).toMatch(
    /wrong.csv cannot be used\. The header has no "id" column \(it has: name, excerpt\)/,
  );

  const small = commonLitCsv({ rows: 30, seed: 3 });
  await input.setInputFiles({
    name: 'small.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(small.csv),
  });
  await page.getByTestId('csv-summary').waitFor();
  // No head is saved and roberta-tiny is not a regression export: the lite model is the scorer.
  expect(await page.getByTestId('scorer-used').textContent()).toMatch(/the lite model/);
  expect(await page.getByText(/roberta-tiny is not a fine-tuned regression export/).count()).toBe(
    1,
  );
  await page.getByRole('button', { name: 'Score 30 rows' }).click();
  await page.getByTestId('batch-status').filter({ hasText: 'Done' }).waitFor({ timeout: 60_000 });
  const text = (await download(page, 'Download submission.csv')).toString('utf8');
  const lines = text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  expect(lines.map(([id]) => id)).toEqual(small.ids);
  // The lite model ran in the readability worker and gave the scores it gives here.
  lines.forEach(([, target], i) =>
    expect(Number(target)).toBeCloseTo(predictLite(small.texts[i]).target, 5),
  );
  expect(page.workers().some((w) => w.url().includes('readability.worker'))).toBe(true);
  await context.close();
});
