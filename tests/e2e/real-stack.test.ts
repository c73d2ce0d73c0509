/**
 * Folders made by the Hugging Face stack (tests/fixtures/hf) in a real Chromium, served by the
 * app's dev server as a user's folder would be: one folder per architecture on WASM against
 * PyTorch's hidden states, RoBERTa and BERT on the software WebGPU adapter (webgpu EP alone), and
 * the q8 fill-mask RoBERTa (what `Xenova/roberta-base` ships for WASM) loaded in the app itself.
 *
 * Tolerances: WASM fp32 against PyTorch 1e-4, as in Node; WebGPU (SwiftShader, other kernels and
 * summation orders) against PyTorch 1e-3. WASM q8 is not bit-equal to native onnxruntime's run of
 * the same file (Node's real-stack test holds that to 1e-4): onnxruntime-web's integer kernels
 * and float rounding differ, and a dynamically quantised activation then lands on the other side
 * of a rounding step (measured 0.046 on hidden states of ±4). So it is held to 0.1 against that
 * run, and to the 8-bit bound (0.5) against PyTorch fp32, as in Node.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Dtype } from '../../src/engine/dtypes.ts';
import {
  artefactDir,
  launchBrowser,
  openPage,
  openServedModel,
  serveAppInChromium,
} from '../support/browser.ts';
import {
  listRealStackFolders,
  readRealStackReference,
  type RealStackReference,
} from '../support/realStack.ts';

const env = serveAppInChromium();
const served = (name: string) => `/tests/fixtures/hf/${name}`;

interface Encoded {
  backend: string;
  layers: number;
  results: { ids: number[]; states: number[] }[];
}

/** Loads a folder in the page's real engine worker and encodes texts one by one. */
async function encodeIn(
  page: Page,
  name: string,
  backend: 'wasm' | 'webgpu',
  dtype: Dtype,
  texts: string[],
): Promise<Encoded> {
  const args = JSON.stringify({ path: served(name), backend, dtype, texts });
  return page.evaluate<Encoded>(`(async ({ path, backend, dtype, texts }) => {
    const { EngineClient } = await import('/src/engine/client.ts');
    const client = new EngineClient();
    try {
      const info = await client.load({ source: { kind: 'served', path }, backend, dtype });
      const results = [];
      for (const text of texts) {
        const r = await client.encode(text);
        results.push({ ids: r.ids, states: Array.from(r.states) });
      }
      return { backend: info.backend, layers: info.layers, results };
    } finally {
      client.dispose();
    }
  })(${args})`);
}

/** Largest difference of each text's states from the reference batch's row, real tokens only. */
function worstAgainst(ref: RealStackReference, key: string, out: Encoded): number {
  const batch = ref.batches.find((b) => b.name === 'padded')!;
  const want = ref.tensor(key);
  const [layers, count, seq, hidden] = want.dims;
  let worst = 0;
  out.results.forEach(({ ids, states }, b) => {
    expect(ids).toEqual(batch.input_ids[b].filter((_, j) => batch.attention_mask[b][j] === 1));
    const n = ids.length;
    expect(states.length).toBe(layers * n * hidden);
    for (let l = 0; l < layers; l++)
      for (let j = 0; j < n; j++)
        for (let h = 0; h < hidden; h++) {
          const w = want.data[((l * count + b) * seq + j) * hidden + h];
          worst = Math.max(worst, Math.abs(states[(l * n + j) * hidden + h] - w));
        }
  });
  expect(count).toBe(out.results.length);
  return worst;
}

/** One fp32 folder per architecture: the TorchScript export where there is one. */
const BY_ARCHITECTURE: RealStackReference[] = [];
for (const ref of listRealStackFolders().map(readRealStackReference)) {
  if (!ref.dtypes.fp32) continue;
  const at = BY_ARCHITECTURE.findIndex((r) => r.model_type === ref.model_type);
  if (at < 0) BY_ARCHITECTURE.push(ref);
  else if (ref.exporter === 'torchscript') BY_ARCHITECTURE[at] = ref;
}

describe('on WASM, one folder per architecture', () => {
  it('covers every architecture the fixtures hold', () => {
    expect(BY_ARCHITECTURE.map((r) => r.model_type)).toEqual(
      expect.arrayContaining([
        'bert',
        'roberta',
        'xlm-roberta',
        'distilbert',
        'electra',
        'deberta-v2',
      ]),
    );
  });

  it.each(BY_ARCHITECTURE.map((r) => [r.name, r] as const))(
    '%s fp32 matches PyTorch to 1e-4',
    async (name, ref) => {
      const page = await openPage(env.browser, env.url);
      const texts = ref.batches.find((b) => b.name === 'padded')!.texts;
      const out = await encodeIn(page, name, 'wasm', 'fp32', texts);
      expect(out.backend).toBe('wasm');
      expect(out.layers).toBe(ref.layers + 1);
      expect(worstAgainst(ref, 'torch/padded/hidden_states', out)).toBeLessThan(1e-4);
      await page.close();
    },
  );

  it('the q8 fill-mask RoBERTa stays within a quantisation step of onnxruntime’s run', async () => {
    const ref = readRealStackReference('roberta-mlm-ts14');
    const page = await openPage(env.browser, env.url);
    const texts = ref.batches.find((b) => b.name === 'padded')!.texts;
    const out = await encodeIn(page, ref.name, 'wasm', 'q8', texts);
    const vsOwn = worstAgainst(ref, 'ort/q8/padded/hidden_states', out);
    const vsTorch = worstAgainst(ref, 'torch/padded/hidden_states', out);
    console.log(
      `[real-stack wasm q8] vs native ORT ${vsOwn.toExponential(2)}, vs PyTorch fp32 ${vsTorch.toExponential(2)}`,
    );
    expect(vsOwn).toBeLessThan(0.1);
    expect(vsTorch).toBeLessThan(0.5);
    await page.close();
  });
});

describe('attention on WASM', () => {
  it.each(['roberta-mlm-ts14', 'bert-fe-ts14'])(
    "%s: every layer and head equals PyTorch's output_attentions to 1e-4",
    async (name) => {
      const ref = readRealStackReference(name);
      const text = ref.batches.find((b) => b.name === 'short')!.texts[0];
      const page = await openPage(env.browser, env.url);
      const args = JSON.stringify({ path: served(name), text });
      const got = await page.evaluate<{
        dims: number[];
        data: number[];
      }>(`(async ({ path, text }) => {
        const { EngineClient } = await import('/src/engine/client.ts');
        const client = new EngineClient();
        try {
          await client.load({ source: { kind: 'served', path }, backend: 'wasm', dtype: 'fp32' });
          const r = await client.attend(text);
          return { dims: [r.layers, 1, r.heads, r.ids.length, r.ids.length], data: Array.from(r.attentions) };
        } finally {
          client.dispose();
        }
      })(${args})`);
      const want = ref.tensor('torch/short/attentions');
      expect(got.dims).toEqual(want.dims);
      let worst = 0;
      want.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(got.data[i] - v))));
      expect(worst).toBeLessThan(1e-4);
      await page.close();
    },
  );
});

describe('on the software WebGPU adapter (webgpu EP alone)', () => {
  it.each(['roberta-mlm-ts14', 'bert-fe-ts14'])('%s fp32 matches PyTorch to 1e-3', async (name) => {
    const ref = readRealStackReference(name);
    const page = await openPage(env.browser, env.url);
    const texts = ref.batches.find((b) => b.name === 'padded')!.texts;
    const out = await encodeIn(page, name, 'webgpu', 'fp32', texts);
    expect(out.backend).toBe('webgpu');
    expect(worstAgainst(ref, 'torch/padded/hidden_states', out)).toBeLessThan(1e-3);
    await page.close();
  });
});

describe('the app', () => {
  it('offers the dtypes the folder holds, each with its size', async () => {
    const ref = readRealStackReference('roberta-mlm-dyn18');
    const page = await openServedModel(env.browser, env.url, served(ref.name));
    const options = page.getByTestId('dtype-choice').locator('option');
    const want = Object.entries(ref.dtypes).map(([dtype, f]) => ({ dtype, kB: f!.bytes / 1e3 }));
    await expect.poll(() => options.count()).toBe(want.length);
    for (const [i, { dtype, kB }] of want.entries()) {
      expect(await options.nth(i).getAttribute('value')).toBe(dtype);
      // Sizes here are between 100 kB and 1 MB: shown as whole kilobytes.
      expect(await options.nth(i).textContent()).toContain(`${Math.round(kB)} kB`);
    }
    // No dtype in the URL, WASM, a folder with model_quantized.onnx: WASM's default, q8.
    expect(await page.getByTestId('dtype').textContent()).toBe('q8');
    await page.close();
  });

  it('auto loads the default of the backend it resolves to: fp32 with an adapter, q8 without', async () => {
    const path = served(readRealStackReference('roberta-mlm-ts14').name);
    // This Chromium offers the software WebGPU adapter.
    const page = await openServedModel(env.browser, env.url, path, { backend: 'auto' });
    expect(await page.getByTestId('backend-name').textContent()).toBe('WEBGPU');
    expect(await page.getByTestId('dtype').textContent()).toBe('fp32');
    await page.close();
    // One without WebGPU: auto runs on WASM, so it loads WASM's default for a folder with q8.
    const plain = await launchBrowser({ webgpu: false });
    try {
      const wasm = await openServedModel(plain, env.url, path, { backend: 'auto' });
      expect(await wasm.getByTestId('backend-name').textContent()).toBe('WASM');
      expect(await wasm.getByTestId('dtype').textContent()).toBe('q8');
    } finally {
      await plain.close();
    }
  });

  it('loads the q8 fill-mask RoBERTa on WASM and renders its views', async () => {
    const ref = readRealStackReference('roberta-mlm-ts14');
    const page = await openServedModel(env.browser, env.url, served(ref.name), {
      extra: '&dtype=q8',
    });
    expect(await page.getByTestId('backend-name').textContent()).toBe('WASM');
    expect(await page.getByTestId('dtype').textContent()).toBe('q8');
    const rows = page.locator('.layer-summary tbody tr');
    await rows.first().waitFor({ timeout: 60_000 });
    expect(await rows.count()).toBe(ref.layers + 1);
    expect(await rows.nth(ref.layers).locator('th').textContent()).toBe(`Layer ${ref.layers}`);
    const heatmap = page.getByTestId('token-heatmap').locator('canvas');
    await expect.poll(() => heatmap.getAttribute('aria-label')).toMatch(/\d+ × \d+/);
    await page.screenshot({ path: `${artefactDir()}/real-stack-roberta-q8.png`, fullPage: true });
    await page.close();
  });
});
