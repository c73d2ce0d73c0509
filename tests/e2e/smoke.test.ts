import type { Browser } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, openPage, startApp } from '../support/browser.ts';

let browser: Browser;
let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startApp());
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('serves the app cross-origin isolated, so WASM threads are available', async () => {
  const page = await openPage(browser, url);
  await expect(page.getByRole('heading', { name: 'readscope' }).isVisible()).resolves.toBe(true);
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
});

it('gets a WebGPU adapter from the software renderer', async () => {
  const page = await openPage(browser, url);
  const hasAdapter = await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
  expect(hasAdapter).toBe(true);
});
