/**
 * The CLEAR corpus in Chromium on the roberta-tiny fixture, each in a fresh browser profile: the Fit
 * view fits on a small stratified subset and saves a head; the Read view calibrates the model in
 * one click, shows the encoder score with its CV RMSE band and what it was calibrated on, and keeps
 * the head across a reload. In both, the corpus file is requested only after the click.
 */
import type { Page, Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { CLEAR_CORPUS } from '../../src/pipeline/clearCorpus.ts';
import { modelUrl, serveAppInChromium, waitForBackend } from '../support/browser.ts';

const SUBSET = 40;
const LABEL = `${CLEAR_CORPUS.name}, ${SUBSET} of 3,538 excerpts`;

const env = serveAppInChromium();

/** Every request for the corpus file the page makes, from now on. */
function corpusRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith(`/${CLEAR_CORPUS.path}`)) seen.push(r);
  });
  return seen;
}

/** A fresh profile on the app at `view`, with the tiny model loaded on WASM. */
async function freshApp(view: string) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  // Listening from before the first load, so a request the page made on its own would be seen.
  const seen = corpusRequests(page);
  await page.goto(modelUrl(env.url, '/models/roberta-tiny', { extra: `&view=${view}` }));
  await waitForBackend(page);
  return { context, page, seen };
}

it('fits a head on a subset of the CLEAR corpus in the Fit view', async () => {
  const { context, page, seen } = await freshApp('fit');
  const panel = page.getByRole('region', { name: 'Use the CLEAR corpus' });
  await expect
    .poll(() => panel.getByTestId('clear-notice').textContent())
    .toContain(CLEAR_CORPUS.citation);
  expect(seen).toHaveLength(0);

  await panel.getByRole('button', { name: 'Use the CLEAR corpus' }).click();
  // The warm-up batch gives the rate every size's cost is worked out from.
  await panel.getByTestId('clear-rate').waitFor({ timeout: 120_000 });
  expect(seen).toHaveLength(1);
  const group = panel.getByRole('group', { name: /Excerpts/ });
  expect(await group.textContent()).toMatch(/500 — about .* · CV RMSE known to ±3\.2 %/);
  await panel.getByLabel('Number of excerpts').fill(String(SUBSET));
  await panel.getByRole('button', { name: `Use ${SUBSET} excerpts` }).click();
  await panel.getByTestId('clear-chosen').filter({ hasText: LABEL }).waitFor();

  await page.getByRole('button', { name: `Extract features and sweep ${SUBSET} rows` }).click();
  const selected = page.getByTestId('selected-head');
  await selected.waitFor({ timeout: 120_000 });
  await selected.getByRole('button', { name: 'Save and make this head active' }).click();
  const heads = page.getByTestId('head-list');
  await heads.getByText('(active)').waitFor();
  expect(await heads.locator('th[scope="row"]').first().textContent()).toContain(
    `Fitted on the ${LABEL} (Crossley et al. 2023, CC BY-NC-SA 4.0)`,
  );
  expect(seen).toHaveLength(1);
  await context.close();
});

it('calibrates the model from the Read view in one click, and keeps the head across a reload', async () => {
  const { context, page, seen } = await freshApp('read');
  const calibrate = page.getByRole('region', { name: 'Calibrate this model' });
  await calibrate.waitFor({ timeout: 120_000 });
  expect(await calibrate.getByTestId('clear-notice').textContent()).toContain('CC BY-NC-SA 4.0');
  expect(seen).toHaveLength(0);

  await calibrate.getByLabel('Number of excerpts').fill(String(SUBSET));
  await calibrate.getByRole('button', { name: 'Calibrate this model' }).click();
  const score = page.getByLabel('Encoder readability score');
  await score.waitFor({ timeout: 180_000 });
  expect(seen).toHaveLength(1);
  const band = page.getByRole('img', { name: /with a CV RMSE band from/ });
  await band.waitFor();
  const calibratedOn = page.getByTestId('calibrated-on');
  expect(await calibratedOn.textContent()).toBe(
    `Calibrated on the ${LABEL} (Crossley et al. 2023, CC BY-NC-SA 4.0).`,
  );
  // The band is the head's CV RMSE either side of the score.
  const shown = Number(await score.textContent());
  const [, low, high] = (await band.getAttribute('aria-label'))!.match(
    /band from (-?[\d.]+) to (-?[\d.]+)/,
  )!;
  expect(Number(high) - shown).toBeCloseTo(shown - Number(low), 1);
  expect(Number(high) - Number(low)).toBeGreaterThan(0);

  await page.reload();
  const seenAfter = corpusRequests(page);
  await page.getByLabel('Encoder readability score').waitFor({ timeout: 120_000 });
  expect(await page.getByTestId('calibrated-on').textContent()).toContain(LABEL);
  expect(await page.getByRole('region', { name: 'Calibrate this model' }).count()).toBe(0);
  expect(seenAfter).toHaveLength(0);
  await context.close();
});
