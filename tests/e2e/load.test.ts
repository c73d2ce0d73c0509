/**
 * Loading through the real remote code path (a local stand-in for the Hub on 127.0.0.1), and every
 * bad model ending in a typed error a person can act on, after which the next load works.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  openPage,
  openServedModel,
  serveAppInChromium,
} from '../support/browser.ts';
import { BROKEN_ORG, HUB_ORG } from '../support/hub-server.ts';
import { serveHub } from '../support/serve-hub.ts';

const env = serveAppInChromium();
const hub = serveHub();

interface LoadOutcome {
  ok: boolean;
  backend?: string;
  error?: { code: string; message: string };
  progress: { file: string; loaded: number; total: number }[];
  nextLoad?: string;
}

/**
 * In the page: load `source` through the worker, then (whatever happened) load a good model with
 * the same client to prove the failure left nothing behind.
 */
function loadIn(
  page: Page,
  source: object,
  backend = 'wasm',
  after?: object,
): Promise<LoadOutcome> {
  const args = JSON.stringify({ source, backend, after: after ?? null });
  return page.evaluate<LoadOutcome>(`(async ({ source, backend, after }) => {
    const { EngineClient } = await import('/src/engine/client.ts');
    const client = new EngineClient();
    const progress = [];
    const out = { ok: false, progress };
    try {
      const info = await client.load({ source, backend, dtype: 'fp32' }, (p) => progress.push(p));
      out.ok = true;
      out.backend = info.backend;
    } catch (e) {
      out.error = e.info ?? { code: 'thrown', message: String(e) };
    }
    if (after) {
      const info = await client.load({ source: after, backend: 'wasm', dtype: 'fp32' });
      out.nextLoad = info.backend + ':' + (await client.encode('Next load works.')).layers;
    }
    client.dispose();
    return out;
  })(${args})`);
}

const GOOD = { kind: 'served', path: '/models/roberta-tiny' };

describe('the Hub code path', () => {
  it('loads a model from a Hub-layout host with byte progress per file', async () => {
    const page = await openPage(env.browser, env.url);
    const before = hub.requests.length;
    const out = await loadIn(page, { kind: 'hub', id: `${HUB_ORG}/roberta-tiny`, host: hub.url });
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(true);
    const asked = hub.requests.slice(before).map((r) => r.path);
    for (const file of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model.onnx',
    ]) {
      expect(asked).toContain(`/${HUB_ORG}/roberta-tiny/resolve/main/${file}`);
    }
    const last = new Map(out.progress.map((p) => [p.file, p]));
    const onnx = last.get('onnx/model.onnx')!;
    expect(onnx.total).toBeGreaterThan(100_000);
    expect(onnx.loaded).toBe(onnx.total);
    expect(out.progress.filter((p) => p.file === 'onnx/model.onnx').length).toBeGreaterThan(1);
    await page.close();
  });

  it('is what the app does when given a model id and a host in the URL', async () => {
    const page = await openServedModel(env.browser, env.url, `${HUB_ORG}/bert-tiny`, {
      hub: hub.url,
    });
    expect(await page.getByTestId('backend').textContent()).toContain(`${HUB_ORG}/bert-tiny`);
    expect(
      hub.requests.some((r) => r.path === `/${HUB_ORG}/bert-tiny/resolve/main/onnx/model.onnx`),
    ).toBe(true);
    await page.close();
  });
});

describe('bad models end in a typed error, and the next load works', () => {
  const cases = [
    ['missing-onnx', 'missing-file', /no onnx\/model\.onnx \(HTTP 404/],
    ['html-config', 'not-json', /HTML page, not JSON/],
    ['truncated', 'bad-onnx', /not a complete ONNX model/],
    ['not-encoder', 'not-encoder', /residual stream was not found/],
    ['drop-connection', 'network', /download of onnx\/model\.onnx (stopped|broke off)/],
  ] as const;

  it.each(cases)('%s → %s', async (model, code, message) => {
    const page = await openPage(env.browser, env.url);
    const out = await loadIn(
      page,
      { kind: 'hub', id: `${BROKEN_ORG}/${model}`, host: hub.url },
      'wasm',
      GOOD,
    );
    expect(out.ok).toBe(false);
    expect(out.error?.code).toBe(code);
    expect(out.error?.message).toMatch(message);
    expect(out.nextLoad).toBe('wasm:5');
    await page.close();
  });

  it('a missing file in a served folder names the file', async () => {
    const page = await openPage(env.browser, env.url);
    const out = await loadIn(page, { kind: 'served', path: '/models/no-such-model' }, 'wasm', GOOD);
    expect(out.error?.code).toMatch(/missing-file|not-json/);
    expect(out.error?.message).toMatch(/config\.json/);
    expect(out.nextLoad).toBe('wasm:5');
    await page.close();
  });
});

describe('a browser with no WebGPU adapter', () => {
  let plain: Browser;
  beforeAll(async () => {
    plain = await launchBrowser({ webgpu: false });
  });
  afterAll(async () => plain?.close());

  it('refuses an explicit WebGPU request with a clear message, then WASM works', async () => {
    const page = await openPage(plain, env.url);
    const out = await loadIn(page, GOOD, 'webgpu', GOOD);
    expect(out.error?.code).toBe('no-webgpu');
    expect(out.error?.message).toMatch(/no WebGPU adapter.*Choose WASM/);
    expect(out.nextLoad).toBe('wasm:5');
    await page.close();
  });

  it('falls back to WASM on auto and shows it', async () => {
    const page = await openServedModel(plain, env.url, '/models/roberta-tiny', {
      backend: 'auto',
    });
    expect(await page.getByTestId('backend-name').textContent()).toBe('WASM');
    await page.close();
  });
});

describe('dtype and backend that do not go together', () => {
  it.each([
    ['q8', 'webgpu', /q8 models run on WASM/],
    ['fp16', 'wasm', /fp16 models run on WebGPU only/],
    ['fp16', 'webgpu', /no shader-f16 support|no onnx\/model_fp16\.onnx/],
  ])('%s on %s is refused with a reason', async (dtype, backend, message) => {
    const page = await openPage(env.browser, env.url);
    const args = JSON.stringify({ dtype, backend });
    const out = await page.evaluate<{
      code: string;
      message: string;
    }>(`(async ({ dtype, backend }) => {
      const { EngineClient } = await import('/src/engine/client.ts');
      const client = new EngineClient();
      try {
        await client.load({ source: { kind: 'served', path: '/models/roberta-tiny' }, backend, dtype });
        return { code: 'loaded', message: '' };
      } catch (e) {
        return e.info;
      } finally {
        client.dispose();
      }
    })(${args})`);
    expect(out.code).not.toBe('loaded');
    expect(out.message).toMatch(message);
    await page.close();
  });
});

describe('a model folder picked from disk', () => {
  it('loads through the folder picker, files staying on the device', async () => {
    const page = await openServedModel(env.browser, env.url, '/models/bert-tiny');
    const before = new Set<string>();
    page.on('request', (r) => before.add(new URL(r.url()).pathname));
    await page.getByLabel('Source').selectOption('files');
    await page
      .getByLabel('Model folder (stays on this device)')
      .setInputFiles('public/models/roberta-tiny');
    await page.getByRole('button', { name: 'Load model' }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=backend]')?.textContent?.includes('roberta-tiny'),
      null,
      {
        timeout: 120_000,
      },
    );
    expect(await page.getByTestId('backend').textContent()).toContain('5 hidden states');
    expect([...before].some((p) => p.includes('/models/roberta-tiny/'))).toBe(false);
    await page.close();
  });
});
