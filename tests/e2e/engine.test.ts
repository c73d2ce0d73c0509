/**
 * The engine in a real Chromium: the app loads a bundled fixture and shows every layer on WASM and
 * on WebGPU (software adapter), and the two backends agree.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { oracleForward } from '../oracle/forward.ts';
import { openPage, openServedModel, serveAppInChromium } from '../support/browser.ts';

const env = serveAppInChromium();

const TEXT = 'The floor was covered with snow-white canvas, rumpled over bumps and hillocks.';
/** WebGPU and WASM compute in float32 with different kernels and summation orders. */
const BACKEND_TOLERANCE = 1e-3;

interface Encoded {
  info: { backend: string };
  ids: number[];
  layers: number;
  hidden: number;
  states: number[];
}

/**
 * Runs the real worker through the page's engine client. The script is a string so that Vitest's
 * module transform leaves the browser-side dynamic import alone.
 */
async function encodeIn(page: Page, backend: 'wasm' | 'webgpu', model: string, text: string) {
  const args = JSON.stringify({ backend, model, text });
  return page.evaluate<Encoded>(`(async ({ backend, model, text }) => {
    const { EngineClient } = await import('/src/engine/client.ts');
    const client = new EngineClient();
    try {
      const info = await client.load({ source: { kind: 'served', path: model }, backend, dtype: 'fp32' });
      const r = await client.encode(text);
      return { info, ids: r.ids, layers: r.layers, hidden: r.hidden, states: Array.from(r.states) };
    } finally {
      client.dispose();
    }
  })(${args})`);
}

describe.each(['wasm', 'webgpu'] as const)('the app on %s', (backend) => {
  it('loads a bundled fixture and shows every layer', async () => {
    const page = await openServedModel(env.browser, env.url, '/models/roberta-tiny', { backend });
    expect(await page.getByTestId('backend-name').textContent()).toBe(backend.toUpperCase());
    const rows = page.locator('.layer-summary tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBe(5);
    expect(await rows.nth(0).locator('th').textContent()).toBe('Embeddings');
    expect(await rows.nth(4).locator('th').textContent()).toBe('Layer 4');
    await page.close();
  });
});

describe('backends agree', () => {
  it.each(['roberta-tiny', 'bert-tiny'])(
    `%s: WebGPU (webgpu EP only) matches WASM to ${BACKEND_TOLERANCE}`,
    async (name) => {
      const page = await openPage(env.browser, env.url);
      const wasm = await encodeIn(page, 'wasm', `/models/${name}`, TEXT);
      const gpu = await encodeIn(page, 'webgpu', `/models/${name}`, TEXT);
      expect(wasm.info.backend).toBe('wasm');
      expect(gpu.info.backend).toBe('webgpu');
      expect(gpu.ids).toEqual(wasm.ids);
      expect(gpu.states.length).toBe(wasm.states.length);
      let worst = 0;
      for (let i = 0; i < wasm.states.length; i++)
        worst = Math.max(worst, Math.abs(gpu.states[i] - wasm.states[i]));
      expect(worst).toBeLessThan(BACKEND_TOLERANCE);

      // And WASM in the browser against the float64 oracle on the same ids.
      const ref = oracleForward(name as 'roberta-tiny' | 'bert-tiny', {
        inputIds: wasm.ids,
        attentionMask: wasm.ids.map(() => 1),
        dims: [1, wasm.ids.length],
      });
      let oracleWorst = 0;
      ref.hiddenStates.data.forEach(
        (v, i) => (oracleWorst = Math.max(oracleWorst, Math.abs(v - wasm.states[i]))),
      );
      expect(oracleWorst).toBeLessThan(1e-4);
      await page.close();
    },
  );
});
