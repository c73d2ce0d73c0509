/**
 * Nothing the user gives leaves the device: on the production build (with its CSP), every request
 * of a whole session is recorded, and none carries the user's text; only the app and the chosen
 * model host are contacted, and the CSP refuses any other host.
 */
import type { Browser, BrowserContext, Request } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderSource, loadNodeEngine } from '../../src/engine/node.ts';
import { launchBrowser, openServedModel, startBuiltApp } from '../support/browser.ts';
import { HUB_ORG, startHub, type HubServer } from '../support/hub-server.ts';

/** Words that appear nowhere but in what the "user" types. */
const MARKERS = ['quokkazebrine', 'marshwiggle', 'plimsollade'];
const USER_TEXT = `The ${MARKERS[0]} walked past the ${MARKERS[1]} by the harbour. It carried a ${MARKERS[2]} home.`;

/** A hostile id: rendered as text it is harmless; rendered as HTML it would set a flag. */
const HTML_ID = '<img src=x onerror="window.__pwned=1">';

const LONG = [
  'notwithstanding',
  'epistemological',
  'institutional',
  'comprehensive',
  'jurisprudential',
];
const SHORT = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'sun', 'fun'];

/** A labelled file whose target counts long words, with the user's marker words in every text. */
function trainCsv(rows: number): string {
  const lines = ['id,url_legal,license,excerpt,target,standard_error'];
  for (let i = 0; i < rows; i++) {
    const long = i % 6;
    const words = [
      ...Array.from({ length: 12 }, (_, k) => SHORT[(i + k) % SHORT.length]),
      ...LONG.slice(0, long),
      MARKERS[i % MARKERS.length],
    ];
    lines.push(
      `t${i.toString(16).padStart(4, '0')},,,"${words.join(' ')}.",${(-0.5 * long).toFixed(2)},0.49`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A file to score: marker texts, and one bad row whose id is HTML. */
function testCsv(rows: number): string {
  const lines = ['id,url_legal,license,excerpt'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `s${i},,,"The ${MARKERS[i % 3]} and the ${SHORT[i % SHORT.length]} went ${LONG[i % LONG.length]}."`,
    );
  }
  lines.push(`"${HTML_ID.replaceAll('"', '""')}",,,""`);
  return `${lines.join('\n')}\n`;
}

let browser: Browser;
let context: BrowserContext;
let app: PreviewServer;
let hub: HubServer;
let url: string;
const requests: Request[] = [];

/** How many tokens the model (roberta-tiny, which the fake Hub serves) makes of USER_TEXT. */
let USER_TOKENS: number;

beforeAll(async () => {
  const engine = await loadNodeEngine(await folderSource('public/models/roberta-tiny'), {
    threads: 1,
  });
  USER_TOKENS = (await engine.encode(USER_TEXT).finally(() => engine.release())).tokens.length;
  hub = await startHub();
  process.env.READSCOPE_MODEL_HOSTS = hub.url;
  ({ server: app, url } = await startBuiltApp('test-results/dist-privacy'));
  browser = await launchBrowser();
  context = await browser.newContext();
  context.on('request', (r) => requests.push(r));
});
afterAll(async () => {
  delete process.env.READSCOPE_MODEL_HOSTS;
  await browser?.close();
  await app?.close();
  await hub?.close();
});

/** Every place a request could carry the markers: URL (raw or percent-encoded), headers, body. */
function leaks(r: Request): string[] {
  const body = r.postDataBuffer();
  const haystacks = [
    decodeURIComponent(r.url()).toLowerCase(),
    JSON.stringify(r.headers()).toLowerCase(),
    body ? body.toString('utf8').toLowerCase() : '',
  ];
  return MARKERS.filter((m) => haystacks.some((h) => h.includes(m)));
}

describe('a whole session on the production build', () => {
  it('reads, compares, and sends the text nowhere', async () => {
    const hubHost = new URL(hub.url).host;
    const page = await openServedModel(context, url, `${HUB_ORG}/roberta-tiny`, { hub: hub.url });
    const heatmap = page.getByTestId('token-heatmap').locator('canvas');
    const columns = async () =>
      Number((await heatmap.getAttribute('aria-label'))?.match(/: \d+ × (\d+)/)?.[1]);
    await heatmap.waitFor({ timeout: 60_000 });
    const sampleTokens = await columns();
    expect(sampleTokens).not.toBe(USER_TOKENS);

    const box = page.getByLabel('Text (stays in this tab)');
    await box.fill(USER_TEXT);
    // Check only once the user's text has been through the engine and the readability worker:
    // the layers show its own token count, settled, and the hard sentences list its sentences.
    const layers = page.locator('.layers-panel');
    await expect
      .poll(async () => `${await columns()} ${await layers.getAttribute('aria-busy')}`, {
        timeout: 60_000,
      })
      .toBe(`${USER_TOKENS} false`);
    const hard = page.getByRole('region', { name: /Hard sentences/ });
    await expect
      .poll(
        async () => {
          const items = (await hard.getByRole('listitem').allTextContents()).join(' ');
          return `${await hard.getAttribute('aria-busy')} ${MARKERS.filter((m) => items.includes(m))}`;
        },
        { timeout: 60_000 },
      )
      .toBe(`false ${MARKERS}`);
    await page.getByRole('tab', { name: 'Compare two texts' }).click();
    await page.getByRole('tab', { name: 'Read a text' }).click();

    expect(requests.length).toBeGreaterThan(5);
    const hosts = new Set(requests.map((r) => new URL(r.url()).host));
    for (const host of hosts) expect([new URL(url).host, hubHost]).toContain(host);
    expect(requests.filter((r) => new URL(r.url()).host === hubHost).length).toBeGreaterThan(0);
    for (const r of requests)
      expect({ url: r.url(), leaks: leaks(r) }).toEqual({ url: r.url(), leaks: [] });
    await page.close();
  });

  it('fits heads on a labelled file and scores a file, and sends none of it anywhere', async () => {
    const hubHost = new URL(hub.url).host;
    const first = requests.length;
    const page = await openServedModel(context, url, `${HUB_ORG}/roberta-tiny`, {
      hub: hub.url,
      extra: '&view=fit',
    });
    await page.getByLabel('Labelled texts (CSV with a target column)').setInputFiles({
      name: 'train.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(trainCsv(60)),
    });
    await page.getByRole('button', { name: 'Extract features and sweep 60 rows' }).click();
    await page.getByTestId('sweep-heatmap').waitFor({ timeout: 180_000 });
    await page.getByRole('button', { name: 'Save and make this head active' }).click();

    await page.getByRole('tab', { name: 'Score a file' }).click();
    await page.getByLabel('Texts to score (CSV)').setInputFiles({
      name: 'test.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(testCsv(24)),
    });
    const problems = page.getByTestId('row-problems');
    await problems.waitFor({ timeout: 60_000 });
    // CSV cells are text, never markup.
    expect(await problems.locator('tbody td').nth(1).textContent()).toBe(HTML_ID);
    expect(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
    ).toBeUndefined();
    await page.getByRole('button', { name: 'Skip this row' }).click();
    await page.getByRole('button', { name: 'Score 24 rows' }).click();
    await page
      .getByTestId('batch-status')
      .filter({ hasText: 'Done' })
      .waitFor({ timeout: 120_000 });
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download submission.csv' }).click(),
    ]);
    expect((await dl.path()) ?? '').not.toBe('');

    const session = requests.slice(first);
    expect(session.length).toBeGreaterThan(3);
    for (const r of session) {
      expect([new URL(url).host, hubHost]).toContain(new URL(r.url()).host);
      expect({ url: r.url(), leaks: leaks(r) }).toEqual({ url: r.url(), leaks: [] });
    }
    await page.close();
  });

  it('refuses, by its Content-Security-Policy, a host other than the app and the model host', async () => {
    const page = await context.newPage();
    await page.goto(url);
    const before = requests.length;
    const outcome = await page.evaluate(async () => {
      // The policy reports its refusal as an event; wait for that event, not for a while.
      const violation = new Promise<string>((resolve) =>
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), {
          once: true,
        }),
      );
      const result = await fetch('http://127.0.0.2:9/collect', { method: 'POST', body: 'x' }).then(
        () => 'sent',
        () => 'refused',
      );
      return { result, violations: [await violation] };
    });
    expect(outcome.result).toBe('refused');
    expect(outcome.violations).toContain('connect-src');
    expect(requests.slice(before).some((r) => r.url().includes('127.0.0.2'))).toBe(false);
    await page.close();
  });

  it('the leak check itself catches text in a URL, a header or a body', () => {
    const fake = (u: string, headers: Record<string, string> = {}, body?: string) =>
      ({
        url: () => u,
        headers: () => headers,
        postDataBuffer: () => (body ? Buffer.from(body) : null),
      }) as unknown as Request;
    expect(leaks(fake(`http://x/?q=${encodeURIComponent(USER_TEXT)}`))).toEqual(MARKERS);
    expect(leaks(fake('http://x/', { 'x-text': MARKERS[1] }))).toEqual([MARKERS[1]]);
    expect(leaks(fake('http://x/', {}, JSON.stringify({ text: USER_TEXT })))).toEqual(MARKERS);
    expect(leaks(fake('http://x/models/roberta-tiny/config.json'))).toEqual([]);
  });
});
