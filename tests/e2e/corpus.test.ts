/**
 * The Fit view's corpus map in Chromium on the roberta-tiny fixture: after a sweep, the file's
 * vectors of the selected strategy on their principal plane, reached by keyboard; the layer slider
 * moves it, and at each layer the plotted coordinates are those of the same projection computed
 * here in Node from the same texts (onnxruntime-node, the same glue). A screenshot is kept.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { ParameterFreeStrategy } from '../../src/analysis/pooling.ts';
import { poolOptionsFor } from '../../src/analysis/pooling.ts';
import { principalPlane } from '../../src/analysis/principalPlane.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { FIT_POOLINGS } from '../../src/pipeline/fitRun.ts';
import { featuresFrom, type PooledVectors } from '../../src/pipeline/scoring.ts';
import { artefactDir, openServedModel, serveAppInChromium } from '../support/browser.ts';
import { commonLitCsv } from '../support/commonlit-csv.ts';

const MODEL = 'public/models/roberta-tiny';
const train = commonLitCsv({ rows: 120, seed: 21, labelled: true });
/**
 * WASM in the browser and onnxruntime-node on the CPU sum in different orders, and the page shows
 * six significant figures; coordinates are compared to this share of each axis's largest one
 * (they agreed to 2e-6 when this was written).
 */
const COORD_TOLERANCE = 1e-4;

const env = serveAppInChromium();

/** The same texts' cached poolings, read in Node. */
async function nodeTable(): Promise<PooledVectors> {
  const engine = await loadNodeEngine(await folderSource(MODEL), { threads: 1 });
  try {
    return await engine.embed(train.texts, [...FIT_POOLINGS]);
  } finally {
    await engine.release();
  }
}

/** The map as the page shows it once its picture is of `strategy` at `layer` and not updating. */
async function shownMap(page: Page, strategy: ParameterFreeStrategy, layer: number) {
  const map = page.locator(
    `[data-testid="corpus-map"][data-strategy="${strategy}"][data-layer="${layer}"][data-state="ready"]`,
  );
  await map.waitFor({ timeout: 60_000 });
  return {
    coords: JSON.parse((await map.getAttribute('data-coords'))!) as number[],
    explained: JSON.parse((await map.getAttribute('data-explained'))!) as [number, number],
  };
}

/** How far the page's coordinates are from Node's, per axis, up to its sign, as a share. */
function misfit(page: number[], node: Float64Array): number {
  let worst = 0;
  for (let c = 0; c < 2; c++) {
    const ref = Array.from({ length: node.length / 2 }, (_, i) => node[i * 2 + c]);
    const ours = ref.map((_, i) => page[i * 2 + c]);
    const sign = Math.sign(ours.reduce((s, v, i) => s + v * ref[i], 0)) || 1;
    const big = Math.max(...ref.map(Math.abs));
    worst = Math.max(worst, ...ours.map((v, i) => Math.abs(v - sign * ref[i]) / big));
  }
  return worst;
}

it('maps the corpus at the selected layer, follows the slider by keyboard, and matches Node', async () => {
  const tablePromise = nodeTable();
  const page = await openServedModel(
    await env.browser.newContext(),
    env.url,
    '/models/roberta-tiny',
    {
      extra: '&view=fit',
    },
  );
  await page.setViewportSize({ width: 1100, height: 1000 });
  await page.getByLabel('Labelled texts (CSV with a target column)').setInputFiles({
    name: 'train.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(train.csv),
  });
  await page
    .getByRole('button', { name: `Extract features and sweep ${train.ids.length} rows` })
    .click();
  const selected = page.getByTestId('selected-head');
  await selected.waitFor({ timeout: 120_000 });
  const section = page.getByRole('region', { name: 'Corpus by layer' });
  // The best cell is mapped as soon as it is fitted.
  const best = page.getByTestId('sweep-heatmap').locator('button.cell.best');
  await shownMap(
    page,
    (await best.getAttribute('data-strategy')) as ParameterFreeStrategy,
    Number(await best.getAttribute('data-layer')),
  );

  // Mean at layer 3: another cell selected re-targets the map, at the cell's own layer.
  const [strategy, headLayer, next] = ['mean', 3, 2] as const;
  await page
    .getByTestId('sweep-heatmap')
    .locator(`button.cell[data-strategy="${strategy}"][data-layer="${headLayer}"]`)
    .click();
  await selected.filter({ hasText: `Mean, layer ${headLayer},` }).waitFor({ timeout: 60_000 });
  const slider = section.getByRole('slider', { name: 'Layer' });
  const first = await shownMap(page, strategy, headLayer);
  expect(await section.getByTestId('corpus-layer').textContent()).toBe(`layer ${headLayer}`);
  await expect
    .poll(() => section.getByTestId('corpus-caption').textContent(), { timeout: 60_000 })
    .toMatch(/The arrow is the head’s direction seen in this plane, which holds \d+\.\d% of it/);

  const table = await tablePromise;
  const y = Float64Array.from(train.targets);
  const project = (layer: number) => {
    const features = featuresFrom(table, strategy, layer, poolOptionsFor(table.layers));
    return principalPlane(features, table.count, features.length / table.count, { orientBy: y });
  };
  const atHead = project(headLayer);
  expect(first.coords).toHaveLength(2 * train.ids.length);
  expect(misfit(first.coords, atHead.coords)).toBeLessThan(COORD_TOLERANCE);
  expect(first.explained[0]).toBeCloseTo(atHead.explained[0], 5);
  expect(first.explained[1]).toBeCloseTo(atHead.explained[1], 5);

  // The slider is the next stop after the selected head's save button; an arrow key moves it.
  await selected.getByRole('button', { name: 'Save and make this head active' }).focus();
  await page.keyboard.press('Tab');
  expect(await slider.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.press('ArrowLeft');
  const moved = await shownMap(page, strategy, next);
  expect(await section.getByTestId('corpus-layer').textContent()).toBe(`layer ${next}`);
  expect(await slider.getAttribute('aria-valuetext')).toBe(`layer ${next}`);
  // The picture moved: the new coordinates are not the old ones, and are Node's at that layer.
  expect(misfit(moved.coords, Float64Array.from(first.coords))).toBeGreaterThan(0.01);
  expect(misfit(moved.coords, project(next).coords)).toBeLessThan(COORD_TOLERANCE);
  expect(await section.getByTestId('corpus-caption').textContent()).toMatch(
    new RegExp(`drawn at its own layer \\(${headLayer}\\) only: at layer ${next}`),
  );
  await section.screenshot({ path: `${artefactDir()}/corpus-by-layer-other-layer.png` });

  // Back to the head's layer; hovering a dot names its excerpt, target and held-out prediction.
  await page.keyboard.press('ArrowRight');
  await shownMap(page, strategy, headLayer);
  await page.mouse.move(0, 0);
  await section.screenshot({ path: `${artefactDir()}/corpus-by-layer.png` });
  const canvas = section.locator('canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.75);
  const tip = section.getByRole('tooltip');
  await tip.waitFor();
  const lines = await tip.locator('strong, div').allTextContents();
  const row = train.texts.findIndex((t) =>
    lines[0].startsWith(t.replace(/\s+/g, ' ').slice(0, 40)),
  );
  expect(row).toBeGreaterThanOrEqual(0);
  expect(lines[1]).toBe(`target ${train.targets[row].toFixed(3)}`);
  expect(lines[2]).toMatch(/^out-of-fold prediction -?\d+\.\d{3}$/);
  await section.screenshot({ path: `${artefactDir()}/corpus-by-layer-hover.png` });
  await page.context().close();
});
