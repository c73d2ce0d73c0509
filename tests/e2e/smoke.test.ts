import { expect, it } from 'vitest';
import { openPage, serveAppInChromium } from '../support/browser.ts';

const env = serveAppInChromium();

it('serves the app cross-origin isolated, so WASM threads are available', async () => {
  const page = await openPage(env.browser, env.url);
  await expect(page.getByRole('heading', { name: 'readscope' }).isVisible()).resolves.toBe(true);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
});

it('gets a WebGPU adapter from the software renderer', async () => {
  const page = await openPage(env.browser, env.url);
  const hasAdapter = await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
  expect(hasAdapter).toBe(true);
});
