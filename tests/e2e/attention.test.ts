/**
 * The Read view's attention panel in Chromium on a real-stack RoBERTa: opened by keyboard, its
 * head view, attention matrix and rollout render for the text in the box; focusing a token keeps
 * only that token's lines. Screenshots of the three views go to test-results/artefacts/.
 */
import { describe, expect, it } from 'vitest';
import { artefactDir, openServedModel, serveAppInChromium } from '../support/browser.ts';

const env = serveAppInChromium({ webgpu: false });
const MODEL = '/tests/fixtures/hf/roberta-mlm-ts14';

describe('attention panel', () => {
  it('opens by keyboard and shows the head view, one head’s matrix and the rollout', async () => {
    const page = await openServedModel(env.browser, env.url, MODEL);
    const panel = page.getByTestId('attention-panel');
    await panel.locator('summary').focus();
    await page.keyboard.press('Enter');
    const headView = panel.getByTestId('head-view');
    await headView.waitFor({ timeout: 60_000 });
    const lines = headView.locator('svg line');
    const all = await lines.count();
    expect(all).toBeGreaterThan(0);
    await page.screenshot({ path: `${artefactDir()}/attention-heads.png`, fullPage: false });
    await panel.screenshot({ path: `${artefactDir()}/attention-heads-panel.png` });

    // A focused token keeps only its own lines: at most one per key token.
    const tokens = headView.getByRole('list', { name: 'Tokens that attend' }).getByRole('button');
    const count = await tokens.count();
    await tokens.nth(1).focus();
    await expect.poll(() => lines.count()).toBeLessThan(all);
    expect(await lines.count()).toBeLessThanOrEqual(count);
    await tokens.nth(1).blur();

    // The view radios move with the arrow keys.
    await panel.getByRole('radio', { name: 'Head view' }).focus();
    await page.keyboard.press('ArrowRight');
    const matrix = panel.locator('canvas');
    await expect.poll(() => matrix.getAttribute('aria-label')).toMatch(/^Attention of layer 3/);
    await panel.screenshot({ path: `${artefactDir()}/attention-matrix.png` });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => matrix.getAttribute('aria-label')).toMatch(/^Attention rollout/);
    await panel.screenshot({ path: `${artefactDir()}/attention-rollout.png` });
    await page.close();
  });
});
