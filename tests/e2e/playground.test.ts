/**
 * The Read view ("playground") in a real Chromium with the bundled fixtures: the lite score before
 * any model, typing updates every panel, layer and strategy live in the URL, heads and the
 * fine-tuned export score the text, and typing while a long text is encoded loses no character and
 * ends with the panels on the typed text. (How long the main thread is blocked meanwhile is measured
 * by `npm run bench -- --only typing`, not asserted here.)
 * Screenshots of each panel go to test-results/artefacts/.
 */
import { existsSync } from 'node:fs';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import {
  artefactDir,
  modelUrl,
  openPage,
  openServedModel,
  serveAppInChromium,
  startBuiltApp,
  waitForBackend,
} from '../support/browser.ts';
import {
  ENCODE_REQUESTS_SCRIPT,
  LONG_TEXT,
  startLongEncode,
  TYPED,
  textBox,
  typeAtEnd,
} from '../support/typing.ts';

const env = serveAppInChromium({ webgpu: false });
let context: BrowserContext;

const TINY = '/models/roberta-tiny';

const NEW_TEXT =
  'The cat sat on the mat. It was a warm day, and the sun came in through the open window.';

beforeAll(async () => {
  // Let Vite finish optimising dependencies once, so no test sees a reload.
  const warm = await openServedModel(env.browser, env.url, TINY);
  await warm.close();
});
afterEach(async () => {
  await context?.close();
});

/** The app on `model` (served by `base`) in a fresh context, once the model has loaded. */
async function openModel(model: string, base = env.url, timeout?: number): Promise<Page> {
  context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(ENCODE_REQUESTS_SCRIPT);
  return openServedModel(context, base, model, { timeout });
}

const tokenHeatmap = (page: Page) => page.getByTestId('token-heatmap').locator('canvas');

/** Waits until the token heatmap shows `tokens` columns (the aria label names its size). */
async function waitForTokens(page: Page, predicate: (cols: number) => boolean) {
  await expect
    .poll(
      async () => {
        const label = await tokenHeatmap(page).getAttribute('aria-label', { timeout: 60_000 });
        const cols = Number(label?.match(/: \d+ × (\d+)/)?.[1] ?? Number.NaN);
        return predicate(cols) ? cols : null;
      },
      { timeout: 60_000 },
    )
    .not.toBeNull();
  const label = await tokenHeatmap(page).getAttribute('aria-label');
  return Number(label!.match(/: \d+ × (\d+)/)![1]);
}

const shot = (page: Page, selector: string, name: string) =>
  page.locator(selector).screenshot({ path: `${artefactDir()}/${name}.png` });

describe('the Read view', () => {
  it('shows the lite score and a progress bar before the encoder is ready', async () => {
    context = await env.browser.newContext();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    // Hold the model's bytes; the app's HEAD requests, which list the folder's dtype files
    // before the load, go through.
    await context.route('**/models/roberta-tiny/onnx/**', async (route: Route) => {
      if (route.request().method() !== 'HEAD') await held;
      await route.continue();
    });
    const page = await openPage(context, modelUrl(env.url, TINY));
    const lite = page.getByLabel('Lite readability score');
    await lite.waitFor();
    expect(Number(await lite.textContent())).toBeGreaterThan(-4);
    await page.getByText('The encoder is loading').first().waitFor();
    expect(await page.getByTestId('no-head').count()).toBe(0);
    await shot(page, 'main', 'read-loading');
    release();
    await waitForBackend(page);
    expect(await page.getByTestId('backend-name').textContent()).toBe('WASM');
    await page.getByTestId('no-head').waitFor();
  });

  it('updates every panel as text is typed; layer and strategy live in the URL', async () => {
    const page = await openModel(TINY);
    const before = await waitForTokens(page, (n) => n > 0);
    const liteBefore = await page.getByLabel('Lite readability score').textContent();

    const box = page.getByRole('textbox', { name: /Text/ });
    await box.fill('');
    await box.pressSequentially(NEW_TEXT, { delay: 5 });
    const after = await waitForTokens(page, (n) => n !== before);
    expect(after).toBeGreaterThan(10);
    await expect
      .poll(() => page.getByLabel('Lite readability score').textContent())
      .not.toBe(liteBefore);
    // Every panel follows the new text.
    const pca = page.getByTestId('token-pca').getByRole('img');
    await expect.poll(() => pca.getAttribute('aria-label')).toMatch(`PCA of the ${after} tokens`);
    await expect
      .poll(() => page.getByTestId('percentile').textContent())
      .toMatch(/lite score .* easier than \d+%/);
    const strips = page.getByTestId('strategy-strips').locator('tbody tr');
    expect(await strips.count()).toBe(9); // eight parameter-free strategies + pooler
    expect(await page.locator('tr[data-strategy="pooler"]').textContent()).toMatch(/untrained/);
    expect(await page.getByTestId('head-bars').textContent()).toMatch(/No fitted heads/);

    // Default: the last layer (4 of roberta-tiny); every strategy can sit there.
    await page.getByText('Tokens at layer 4 (PCA)').waitFor();
    expect(await page.getByTestId('strategy-strips').locator('tbody canvas').count()).toBe(8);

    // Layer by keyboard on the slider: two steps down to layer 2.
    const slider = page.getByRole('slider', { name: 'Layer' });
    await slider.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.getByText('Tokens at layer 2 (PCA)').waitFor();
    await page.getByText('Every strategy at layer 2').waitFor();
    await expect.poll(() => new URL(page.url()).searchParams.get('layer')).toBe('2');
    // Span strategies that need more layers below them say why instead of drawing.
    expect(await page.locator('tr[data-strategy="concat-last4"]').textContent()).toMatch(
      /can sit at layer 3 or later/,
    );
    await expect
      .poll(() => page.getByTestId('strategy-strips').locator('tbody canvas').count())
      .toBe(5);

    // Strategy from the radio group.
    await page.getByRole('radio', { name: 'CLS', exact: true }).check();
    await expect.poll(() => new URL(page.url()).searchParams.get('strategy')).toBe('cls');
    expect(await page.getByTestId('chosen-strategy').textContent()).toMatch(/^CLS: The first/);

    // Cosine-to-final on the token heatmap, and hover tooltips name the token.
    await page.getByRole('radio', { name: 'Cosine to final layer' }).check();
    const canvas = tokenHeatmap(page);
    await expect.poll(() => canvas.getAttribute('aria-label')).toMatch(/^Cosine to final layer/);
    const boxRect = (await canvas.boundingBox())!;
    await page.mouse.move(boxRect.x + boxRect.width * 0.02, boxRect.y + boxRect.height * 0.95);
    const tip = page.getByTestId('token-heatmap').getByRole('tooltip');
    expect(await tip.textContent()).toMatch(/^L4 · .+: cosine to final 1\.000$/);
    await page.mouse.move(0, 0);
    // Keyboard readout of the same heatmap.
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('token-heatmap').locator('output').textContent()).toMatch(
      /^L1 · .+: cosine to final -?\d\.\d{3}$/,
    );

    const search = new URL(page.url()).search;
    expect(search).not.toMatch(/cat|mat|window/);
    for (const [selector, name] of [
      ['.score-panel', 'read-score'],
      ['.layers-panel', 'read-layers'],
      ['.pooling-panel', 'read-pooling'],
    ])
      await shot(page, selector, name);

    // The choices survive a reload from the URL.
    await page.reload();
    await waitForBackend(page);
    await page.getByText('Tokens at layer 2 (PCA)').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('radio', { name: 'CLS', exact: true }).isChecked()).toBe(true);
  });

  it('scores with every fitted head and shows the fine-tuned score', async () => {
    const page = await openModel(TINY);
    // Two heads for the loaded model and one for another, saved the way the Fit view saves them.
    const head = (
      strategy: string,
      layer: number,
      dim: number,
      cvRmse: number,
      modelId = 'roberta-tiny', // heads name a served model by its folder
    ) => ({
      version: 1,
      modelId,
      dtype: 'fp32',
      hidden: 32,
      strategy,
      layer,
      poolOptions: {},
      scaler: { mean: Array(dim).fill(0), std: Array(dim).fill(1) },
      weights: Array.from({ length: dim }, (_, i) => ((i % 5) - 2) * 0.02),
      bias: -0.9,
      alpha: 1,
      cvRmse,
      cvRmseStd: 0.05,
      folds: 5,
      rows: 100,
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    const records = [
      { id: 'h-mean', name: 'mean head', head: head('mean', 4, 32, 0.61) },
      { id: 'h-cls', name: 'cls head', head: head('cls', 2, 32, 0.72) },
      { id: 'h-other', name: 'other model', head: head('mean', 4, 32, 0.5, '/models/bert-tiny') },
    ];
    await page.evaluate(`(async (records) => {
      const store = await import('/src/data/store.ts');
      const db = await store.openStore();
      for (const r of records) await store.saveHead(db, r);
      localStorage.setItem('readscope.activeHead', 'h-mean');
    })(${JSON.stringify(records)})`);
    await page.reload();
    await waitForBackend(page);
    const score = page.getByLabel('Encoder readability score');
    await score.waitFor({ timeout: 60_000 });
    expect(await page.locator('.score-panel').textContent()).toMatch(/head “mean head”/);
    await expect
      .poll(() => page.getByTestId('percentile').textContent())
      .toMatch(/The encoder score/);
    const rows = page.getByTestId('head-bars').locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2); // the other model's head does not fit
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-head')))).toEqual([
      'mean@4',
      'cls@2',
    ]);
    const meanScore = Number(await rows.nth(0).locator('td').first().textContent());
    expect(meanScore.toFixed(2)).toBe(Number(await score.textContent()).toFixed(2));
    // A head's button chooses its strategy.
    await rows.nth(1).getByRole('button').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('strategy')).toBe('cls');
    await shot(page, '.score-panel', 'read-score-head');
    await shot(page, '[data-testid="head-bars"]', 'read-head-bars');
  });

  it('shows the fine-tuned regression score of roberta-tiny-cls', async () => {
    const page = await openModel('/models/roberta-tiny-cls');
    const score = page.getByLabel('Encoder readability score');
    await score.waitFor({ timeout: 60_000 });
    expect(Number.isFinite(Number(await score.textContent()))).toBe(true);
    expect(await page.locator('.score-panel').textContent()).toMatch(/fine-tuned regression/);
    expect(await page.getByTestId('windowed').textContent()).toMatch(/overlapping windows/);
    const before = await score.textContent();
    // A text that fits the model's 128 tokens is read once; a longer one over overlapping
    // windows, and the panel says so.
    const box = page.getByRole('textbox', { name: /Text/ });
    await box.fill('A short text. It fits.');
    // The sample text was windowed; wait for the short text's own score (the note goes with it).
    await expect
      .poll(async () => (await score.textContent().catch(() => null)) !== before, {
        timeout: 60_000,
      })
      .toBe(true);
    expect(await page.getByTestId('windowed').count()).toBe(0);
    const shortScore = await score.textContent();
    await box.fill(Array.from({ length: 60 }, (_, i) => `Sentence ${i} is a short one.`).join(' '));
    await expect
      .poll(
        () =>
          page
            .getByTestId('windowed')
            .textContent()
            .catch(() => ''),
        { timeout: 60_000 },
      )
      .toMatch(/read in \d+ overlapping windows/);

    // The Compare view scores with the same model's output, not the lite model, and says so.
    await page.getByRole('tab', { name: 'Compare two texts' }).click();
    await page.getByLabel('Text A').fill('A short text. It fits.');
    await page.getByLabel('Text B').fill(NEW_TEXT);
    await page.getByText(/P\(A reads easier than B\) = /).waitFor({ timeout: 60_000 });
    const compared = await page.getByText(/^Score A: /).textContent();
    expect(Number(compared?.slice('Score A: '.length)).toFixed(2)).toBe(
      Number(shortScore).toFixed(2),
    );
    expect(await page.getByText(/^Scored by /).textContent()).toBe(
      'Scored by the fine-tuned regression output of roberta-tiny-cls, which states no error.',
    );
    expect(await page.getByText(/no interval: the scorer states no error/).count()).toBe(1);
  });

  it('measures the hard sentences with the fine-tuned score, as the engine scores each variant', async () => {
    const sentences = [
      'The cat sat on the mat.',
      'Notwithstanding considerable disagreement, the committee deliberated interminably.',
      'We had fun.',
    ];
    const text = sentences.join(' ');
    // The text with each sentence left out, as a reader would cut it.
    const variants = [
      `${sentences[1]} ${sentences[2]}`,
      `${sentences[0]}  ${sentences[2]}`,
      `${sentences[0]} ${sentences[1]}`,
    ];
    const engine = await loadNodeEngine(await folderSource('public/models/roberta-tiny-cls'));
    const scores = await engine.embed([text, ...variants], []).finally(() => engine.release());
    const expected = new Map(
      sentences.map((s, i) => [s, scores.scores![i + 1] - scores.scores![0]]),
    );

    const page = await openModel('/models/roberta-tiny-cls');
    await page.getByRole('textbox', { name: /Text/ }).fill(text);
    const section = page.getByRole('region', { name: /Hard sentences/ });
    await expect
      .poll(async () => (await section.textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/the score \(the fine-tuned regression output of roberta-tiny-cls\) rises/);
    const items = section.getByRole('list', { name: 'Sentences, hardest first' }).locator('li');
    // Measured for this text (the sample text's five sentences came first), and not updating.
    await expect
      .poll(async () => `${await section.getAttribute('aria-busy')} ${await items.count()}`, {
        timeout: 60_000,
      })
      .toBe('false 3');
    for (const item of await items.all()) {
      const shown = Number(await item.getByRole('button').textContent());
      const sentence = (await item.textContent())!.replace(/^[+-]?\d+\.\d+\s*/, '');
      expect(Math.abs(shown - expected.get(sentence)!)).toBeLessThan(0.005 + 1e-4); // 2 places
    }
  });

  it("shows bert-tiny's trained pooler at the last layer only", async () => {
    const page = await openModel('/models/bert-tiny');
    const pooler = page.locator('tr[data-strategy="pooler"]');
    await pooler.locator('canvas').waitFor({ timeout: 60_000 });
    await page.locator('.pooling-panel select').selectOption('1');
    await expect.poll(() => pooler.textContent()).toMatch(/reads the last layer only/);
  });
});

/** The bench's roberta-base-shaped random model (512 tokens, 13 × 768), when it was generated. */
const BASE = 'bench/models/roberta-base-random';

describe('typing while a long text is encoded', () => {
  // The production build is what people get; the dev build adds React's StrictMode double renders.
  // The bench's base-size model is served only by the dev server, and only where it was generated.
  const runs: [string, string][] = [
    ['production', TINY],
    ...(existsSync(`${BASE}/onnx/model.onnx`)
      ? [['development', `/${BASE}`] as [string, string]]
      : []),
  ];
  let built: { server: { close(): Promise<void> }; url: string } | undefined;
  beforeAll(async () => {
    built = await startBuiltApp('test-results/dist-playground');
  });
  afterAll(async () => built?.server.close());

  it.each(runs)(
    '%s build, %s: typing during the encode keeps every character and the panels follow',
    async (build, model) => {
      const dir = model.startsWith('/models/') ? `public${model}` : model.slice(1);
      const engine = await loadNodeEngine(await folderSource(dir), { threads: 1 });
      const [long, typed] = await (async () => {
        try {
          return [await engine.encode(LONG_TEXT), await engine.encode(LONG_TEXT + TYPED)];
        } finally {
          await engine.release();
        }
      })();
      // Both are cut to the model's length; the note on the whole text's tokens tells them apart.
      expect(typed.truncation).not.toBeNull();
      expect(typed.truncation!.totalTokens).toBeGreaterThan(long.truncation!.totalTokens);

      const page = await openModel(model, build === 'production' ? built!.url : env.url, 280_000);
      await waitForTokens(page, (n) => n > 0);
      // Typing starts once the settled long text has gone to the engine's worker, and goes on
      // through the encode, the analysis worker and the panels' render.
      await startLongEncode(page);
      await typeAtEnd(page);
      // No keystroke was lost or reordered while the page was busy.
      expect(await textBox(page).inputValue()).toBe(LONG_TEXT + TYPED);
      // The panels end on the typed text: its own token count, cut to the model's length, and not
      // marked as updating.
      const layers = page.locator('.layers-panel');
      await layers
        .getByRole('status')
        .filter({
          hasText:
            `This text has ${typed.truncation!.totalTokens} tokens; the model reads at most ` +
            `${typed.truncation!.keptTokens},`,
        })
        .first()
        .waitFor({ timeout: 120_000 });
      expect(await waitForTokens(page, (n) => n === typed.tokens.length)).toBe(typed.tokens.length);
      await expect.poll(() => layers.getAttribute('aria-busy'), { timeout: 60_000 }).toBe('false');
      const pca = page.getByTestId('token-pca').getByRole('img');
      expect(await pca.getAttribute('aria-label')).toMatch(
        `PCA of the ${typed.tokens.length} tokens`,
      );
      await shot(page, '.layers-panel', `read-layers-long-${model.split('/').pop()}`);
    },
  );
});
