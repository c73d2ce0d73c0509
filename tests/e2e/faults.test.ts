/**
 * Faults with real mechanisms: a download that breaks off (a local server dropping the connection)
 * is taken up again where it stopped, and recovers with the Retry button where it cannot be; a destroyed WebGPU device drops the running batch to WASM, tells
 * the user, and the results are still right.
 */
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RESUMES } from '../../src/engine/download.ts';
import {
  modelUrl,
  openPage,
  openServedModel,
  serveAppInChromium,
  waitForBackend,
} from '../support/browser.ts';
import { BROKEN_ORG } from '../support/hub-server.ts';
import { serveHub } from '../support/serve-hub.ts';

const env = serveAppInChromium();
const hub = serveHub();

describe('a download that breaks off', () => {
  const onnxRequests = (model: string) =>
    hub.requests
      .filter((r) => r.path.endsWith(`${BROKEN_ORG}/${model}/resolve/main/onnx/model.onnx`))
      .map((r) => r.headers.range ?? 'whole');

  it('is taken up again where it stopped, without a word to the user', async () => {
    const size = (await stat('public/models/roberta-tiny/onnx/model.onnx')).size;
    const page = await openServedModel(env.browser, env.url, `${BROKEN_ORG}/flaky`, {
      hub: hub.url,
    });
    expect(await page.getByTestId('backend-name').textContent()).toBe('WASM');
    expect(await page.getByRole('alert').count()).toBe(0);
    // The browser asked for the rest only (a CORS-safelisted range: no preflight).
    // (Chromium's HTTP cache may name an end when it forwards it, the file's last byte or, while it
    // validates a partial entry, the first byte asked.)
    const asked = onnxRequests('flaky');
    expect(asked).toHaveLength(2);
    expect(asked[0]).toBe('whole');
    expect(asked[1]).toMatch(new RegExp(`^bytes=${Math.floor(size / 2)}-\\d*$`));
    await page.close();
  });

  it('shows what happened when it cannot be taken up again, and loads on Retry', async () => {
    const page = await openPage(
      env.browser,
      modelUrl(env.url, `${BROKEN_ORG}/outage`, { hub: hub.url }),
    );
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 120_000 });
    expect(await alert.textContent()).toMatch(
      new RegExp(`onnx/model\\.onnx stopped at \\d+ of \\d+ bytes.*again ${RESUMES} times`),
    );
    // The load and its resumes; Chromium's HTTP cache may rewrite the ranges it forwards.
    const failed = onnxRequests('outage').length;
    expect(failed).toBe(RESUMES + 1);
    await page.getByRole('button', { name: 'Retry' }).click();
    await waitForBackend(page);
    expect(await page.getByTestId('backend-name').textContent()).toBe('WASM');
    expect(onnxRequests('outage').length).toBeGreaterThan(failed);
    await page.close();
  });
});

describe('a lost WebGPU device', () => {
  it('drops the batch to WASM, says so, and the pooled vectors are still right', async () => {
    const page = await openPage(env.browser, env.url);
    const out = await page.evaluate<{
      before: string;
      after: string;
      notices: string[];
      lost: string;
      worst: number;
      count: number;
    }>(`(async () => {
      const { EngineClient } = await import('/src/engine/client.ts');
      const notices = [];
      const client = new EngineClient({ onNotice: (m) => notices.push(m) });
      const texts = Array.from({ length: 12 }, (_, i) => 'Sentence number ' + i + ' is here, with words.'.repeat(1 + (i % 3)));
      const source = { kind: 'served', path: '/models/roberta-tiny' };
      const info = await client.load({ source, backend: 'webgpu', dtype: 'fp32' });
      const first = await client.embed(texts, ['mean']);
      const lost = await client.simulateDeviceLoss();
      let after = 'none';
      const second = await client.embed(texts, ['mean'], undefined, undefined);
      const infoAfter = await client.encode('Which backend now?');
      after = infoAfter ? 'encoded' : 'none';
      let worst = 0;
      for (let i = 0; i < first.pooled.mean.length; i++) worst = Math.max(worst, Math.abs(first.pooled.mean[i] - second.pooled.mean[i]));
      client.dispose();
      return { before: info.backend, after, notices, lost, worst, count: second.count };
    })()`);
    expect(out.before).toBe('webgpu');
    expect(out.lost).toMatch(/destroy/i);
    expect(out.count).toBe(12);
    expect(out.notices.join(' ')).toMatch(/reloaded the model on WASM/);
    expect(out.after).toBe('encoded');
    expect(out.worst).toBeLessThan(1e-3);
    await page.close();
  });

  it('shows the switch in the app', async () => {
    const page = await openServedModel(env.browser, env.url, '/models/roberta-tiny', {
      backend: 'webgpu',
    });
    expect(await page.getByTestId('backend-name').textContent()).toBe('WEBGPU');
    await page.close();
  });
});

describe('a cancelled batch', () => {
  it('stops between batches and keeps the loaded model', async () => {
    const page = await openPage(env.browser, env.url);
    const out = await page.evaluate<{
      code: string;
      done: number;
      total: number;
      after: number;
      restarts: number;
    }>(`(async () => {
      const { EngineClient } = await import('/src/engine/client.ts');
      const restarts = [];
      const client = new EngineClient({ onRestart: (r) => restarts.push(r) });
      await client.load({ source: { kind: 'served', path: '/models/roberta-tiny' }, backend: 'wasm', dtype: 'fp32' });
      const texts = Array.from({ length: 200 }, (_, i) => 'Text number ' + i + ' has a few words.');
      const controller = new AbortController();
      let done = 0;
      let code = 'finished';
      try {
        await client.embed(texts, ['mean'], (d) => {
          done = d;
          controller.abort();
        }, controller.signal);
      } catch (e) {
        code = e.info?.code ?? String(e);
      }
      // No reload: the same worker still holds the model.
      const after = (await client.encode('Still loaded.')).layers;
      client.dispose();
      return { code, done, total: texts.length, after, restarts: restarts.length };
    })()`);
    expect(out.code).toBe('cancelled');
    expect(out.done).toBeGreaterThan(0);
    expect(out.done).toBeLessThan(out.total);
    expect(out.after).toBe(5);
    expect(out.restarts).toBe(0);
    await page.close();
  });
});
