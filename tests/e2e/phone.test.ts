/**
 * The Read view on a phone held upright (390 × 844 CSS pixels, touch, the page's own viewport meta)
 * in Chromium on the roberta-tiny fixture: the page never scrolls sideways, with no head (the
 * calibration offer), while calibrating, and with the calibrated score and its band. Screenshots
 * of both ends go to test-results/artefacts for a person to look at.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { artefactDir, modelUrl, serveAppInChromium, waitForBackend } from '../support/browser.ts';

const PHONE = { width: 390, height: 844 };

const env = serveAppInChromium();

/** How far the document is wider than the screen, in CSS pixels (0: it fits). */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

it('fits the Read view, its score panel and the calibration in a 390 px wide screen', async () => {
  const context = await env.browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  await page.goto(modelUrl(env.url, '/models/roberta-tiny', { extra: '&view=read' }));
  await waitForBackend(page);
  expect(await page.evaluate(() => document.documentElement.clientWidth)).toBe(PHONE.width);
  // Everything the view draws once the model has read the sample text.
  const calibrate = page.getByRole('region', { name: 'Calibrate this model' });
  await calibrate.waitFor({ timeout: 120_000 });
  await page.getByLabel('Lite readability score').waitFor({ timeout: 60_000 });
  await page.getByTestId('layer-similarity').locator('canvas').waitFor({ timeout: 60_000 });
  await page.getByTestId('strategy-cosines').locator('canvas').waitFor({ timeout: 60_000 });
  // Polled: the square heatmaps fit themselves to the width once they have been laid out.
  await expect.poll(() => overflow(page), { timeout: 30_000 }).toBe(0);
  await page.screenshot({ path: join(artefactDir(), 'read-view-390-no-head.png'), fullPage: true });

  await calibrate.getByLabel('Number of excerpts').fill('40');
  await calibrate.getByRole('button', { name: 'Calibrate this model' }).click();
  await calibrate.getByRole('status').first().waitFor({ timeout: 60_000 });
  expect(await overflow(page)).toBe(0);

  await page.getByLabel('Encoder readability score').waitFor({ timeout: 180_000 });
  await page.getByRole('img', { name: /with a CV RMSE band from/ }).waitFor();
  await page.getByTestId('calibrated-on').waitFor();
  await expect.poll(() => overflow(page), { timeout: 30_000 }).toBe(0);
  await page.screenshot({ path: join(artefactDir(), 'read-view-390.png'), fullPage: true });
  await page.getByRole('region', { name: /^Score/ }).screenshot({
    path: join(artefactDir(), 'read-view-390-score.png'),
  });
  await context.close();
});
