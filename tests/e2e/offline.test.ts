/**
 * With every host but the app unreachable (the encoder may never arrive), the page still gives a
 * real score, the hard-sentence highlights and the two-text comparison, from weights that ship
 * with the page.
 */
import { expect, it } from 'vitest';
import { artefactDir, serveAppInChromium } from '../support/browser.ts';

const env = serveAppInChromium();

const EASY = 'The cat sat on the mat. It was a sunny day. The dog ran to the park. We had fun.';

it('scores, highlights and compares with the Hub blocked', async () => {
  const context = await env.browser.newContext();
  const appHost = new URL(env.url).host;
  const blocked: string[] = [];
  // Everything off the app's own origin fails as an unplugged network would.
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).host;
    if (host === appHost) return route.continue();
    blocked.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  await page.goto(env.url); // default model: a Hub id, which cannot arrive

  const score = page.getByLabel('Lite readability score');
  await score.waitFor();
  const value = Number(await score.textContent());
  expect(value).toBeGreaterThan(-4);
  expect(value).toBeLessThan(2);
  // The hard sentences follow the score from the readability worker, once each is measured.
  const sentences = page.getByRole('list', { name: 'Sentences, hardest first' }).locator('li');
  await sentences.first().waitFor();
  expect(await sentences.count()).toBeGreaterThan(2);

  // the encoder's failure is explained, not blank
  await page.getByRole('alert').waitFor({ timeout: 60_000 });
  expect(await page.getByRole('alert').textContent()).toMatch(/not available/);
  expect(blocked.some((u) => u.includes('huggingface.co'))).toBe(true);
  await page.screenshot({ path: `${artefactDir()}/offline-read.png`, fullPage: true });

  await page.getByRole('tab', { name: 'Compare two texts' }).click();
  await page.getByLabel('Text B').fill(EASY);
  const verdict = page.getByText(/P\(A reads easier than B\) = /);
  await verdict.waitFor();
  const p = Number(/= (\d+(?:\.\d+)?)%/.exec((await verdict.textContent()) ?? '')?.[1]);
  // the sample excerpt is harder than four short sentences about a cat
  expect(p).toBeLessThan(50);
  await page.screenshot({ path: `${artefactDir()}/offline-compare.png`, fullPage: true });
  await context.close();
});
