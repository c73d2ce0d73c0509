/**
 * The Read view's "Which words move the score" panel in Chromium (WASM) on a real-stack RoBERTa
 * (fp32; its 66-token limit reads the fixture's long text in overlapping windows): a random
 * mean-max head is imported and made active, the panel is opened by keyboard, and each word's
 * share, the intercept and the score equal what Engine.contribute gives for the same head and
 * text in Node (onnxruntime-node), to 1e-4 (the two backends sum in different orders). The score
 * matches the score panel's, a word in the strongest lists is focused by keyboard, and a CLS head
 * is refused with its reason. Screenshots go to test-results/artefacts/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { wordValues, type WordSplit } from '../../src/analysis/wordValues.ts';
import type { RidgeHead } from '../../src/analysis/head.ts';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { artefactDir, openServedModel, serveAppInChromium } from '../support/browser.ts';
import { randomRidgeHead } from '../support/heads.ts';
import { readRealStackReference } from '../support/realStack.ts';

const env = serveAppInChromium({ webgpu: false });
const FOLDER = 'roberta-mlm-ts14';
const ref = readRealStackReference(FOLDER);
const TEXT = ref.batches.find((b) => b.name === 'long')!.texts[0];
const CROSS_BACKEND = 1e-4;

const headOf = (strategy: RidgeHead['strategy'], seed: number) =>
  randomRidgeHead({
    modelId: FOLDER,
    dtype: 'fp32',
    hidden: ref.hidden,
    strategy,
    layer: ref.layers,
    seed,
    bias: -1.2,
  });

let expected: { split: WordSplit; intercept: number; windows: number };
beforeAll(async () => {
  const engine = await loadNodeEngine(await folderSource(ref.dir), { threads: 1 });
  try {
    const c = await engine.contribute(TEXT, headOf('mean-max', 21));
    expected = {
      split: wordValues(TEXT, c.words, c.special, c.tokens),
      intercept: c.intercept,
      windows: c.windows,
    };
  } finally {
    await engine.release();
  }
});

describe('which words move the score', () => {
  it('splits the active head’s score over the words, as Node does', async () => {
    expect(expected.windows).toBeGreaterThan(1);
    const page = await openServedModel(env.browser, env.url, `/tests/fixtures/hf/${FOLDER}`, {
      extra: '&dtype=fp32&view=fit',
    });
    const importHead = async (name: string, head: RidgeHead) => {
      await page.getByLabel('Import a head (JSON)').setInputFiles({
        name: `${name}.json`,
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(head)),
      });
      await page.getByRole('button', { name: `Make ${name} active` }).click();
      await page
        .getByRole('button', { name: `Make ${name} active` })
        .and(page.locator(':disabled'))
        .waitFor();
    };
    await importHead('words-mean-max', headOf('mean-max', 21));

    await page.getByRole('tab', { name: 'Read a text' }).click();
    await page.getByLabel('Text (stays in this tab)').fill(TEXT);
    const panel = page.getByTestId('contributions-panel');
    await panel.locator('summary').focus();
    await page.keyboard.press('Enter');
    const score = panel.getByTestId('split-score');
    await score.waitFor({ timeout: 60_000 });

    // The same words, in order, with the same shares as Node's.
    const marks = panel.getByTestId('contribution-text').locator('mark');
    await expect.poll(() => marks.count()).toBe(expected.split.words.length);
    const shown = await marks.evaluateAll((ms) =>
      ms.map((m) => ({ text: m.textContent, value: Number(m.getAttribute('data-value')) })),
    );
    shown.forEach((m, i) => {
      const w = expected.split.words[i];
      expect(m.text).toBe(TEXT.slice(w.start, w.end));
      expect(Math.abs(m.value - w.value)).toBeLessThan(CROSS_BACKEND);
    });
    const value = async (id: string) =>
      Number(await panel.getByTestId(id).getAttribute('data-value'));
    expect(Math.abs((await value('split-intercept')) - expected.intercept)).toBeLessThan(
      CROSS_BACKEND,
    );
    expect(Math.abs((await value('split-special')) - expected.split.special)).toBeLessThan(
      CROSS_BACKEND,
    );
    const words = expected.split.words.reduce((s, w) => s + w.value, 0);
    const nodeScore = expected.intercept + expected.split.special + expected.split.blank + words;
    expect(Math.abs((await value('split-score')) - nodeScore)).toBeLessThan(CROSS_BACKEND);
    expect(await panel.textContent()).toContain(`read in ${expected.windows} overlapping windows`);

    // The score panel (the batch path, shown to 2 decimals) gives the same score.
    const scorePanel = page.getByLabel('Encoder readability score');
    await scorePanel.waitFor();
    const panelScore = Number(await scorePanel.textContent());
    expect(Math.abs(panelScore - nodeScore)).toBeLessThanOrEqual(0.005 + CROSS_BACKEND);

    // The strongest words are reachable by keyboard; focusing one outlines it in the text.
    const first = panel.getByRole('list').first().getByRole('button').first();
    await first.focus();
    await expect.poll(() => first.getAttribute('aria-pressed')).toBe('true');
    const outlined = await marks.evaluateAll(
      (ms) => ms.filter((m) => (m as HTMLElement).style.outline).length,
    );
    expect(outlined).toBe(1);
    await panel.screenshot({ path: `${artefactDir()}/contributions-panel.png` });

    // A CLS head has no exact split: the panel says so.
    await page.getByRole('tab', { name: 'Fit heads' }).click();
    await importHead('words-cls', headOf('cls', 22));
    await page.getByRole('tab', { name: 'Read a text' }).click();
    await expect.poll(() => panel.textContent()).toMatch(/no exact split of its score/);
    await page.close();
  });
});
