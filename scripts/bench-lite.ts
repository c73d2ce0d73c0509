// Times the lite model on a 200-word text: median and p90 over many runs after a warm-up.
//   npx tsx scripts/bench-lite.ts [--runs 500]             in Node
//   npx tsx scripts/bench-lite.ts --browser [--runs 500]   inside the app's page in Debian Chromium,
//                                                          printed and written to BENCHMARKS.md
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { predictLite } from '../src/readability/lite.ts';

/** A fixed 200-word passage: varied sentence lengths, dialogue, common and rare words. */
export const BENCH_TEXT = `The lighthouse keeper had lived on the island for nearly thirty years, and in all that time he had never once let the lamp go dark. Every evening he climbed the narrow spiral stairs, polished the great lens, and trimmed the wick. "Somebody has to do it," he told the children who came out on the supply boat. They laughed, but they listened. In winter the storms arrived without warning, flinging spray against the windows and rattling the iron railings until the whole tower seemed to tremble. Ships passing in the dark relied on his beam to find the channel between the reefs. Occasionally a captain would signal his gratitude with three short blasts of the horn. The keeper kept a meticulous logbook, recording barometric pressure, wind direction, and the names of vessels he identified through his telescope. Scientists later discovered that his observations, accumulated over decades, constituted an unusually comprehensive record of regional climatic variation. When the automated beacon finally replaced him, he refused to leave immediately. He stayed through one more season, watching the new machine blink on and off by itself, and he said that it was perfectly reliable and completely lonely. Nobody argued with him then.`;

/** Median and p90 milliseconds of one call, over `runs` runs. */
export interface LiteBench {
  median: number;
  p90: number;
  words: number;
  runs: number;
}

/** Median and 90th-percentile milliseconds per score over `runs` runs, after `warmup` unmeasured ones. */
export function benchLite(runs = 500, warmup = 100): LiteBench {
  for (let i = 0; i < warmup; i++) predictLite(BENCH_TEXT);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    predictLite(BENCH_TEXT);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return {
    median: times[Math.floor(runs / 2)],
    p90: times[Math.floor(runs * 0.9)],
    words: BENCH_TEXT.split(/\s+/).length,
    runs,
  };
}

/**
 * The same measurement inside the app's page: Vite serves the app, Debian's Chromium opens it, and
 * the page imports the lite model as the app does and times it on its own thread. The script is a
 * string, so the page's dynamic import is not rewritten by the Node-side bundler.
 */
export async function benchLiteInBrowser(
  runs = 500,
  warmup = 100,
): Promise<LiteBench & { browser: string; isIsolated: boolean }> {
  const { launchBrowser, startApp } = await import('../tests/support/browser.ts');
  const { server, url } = await startApp();
  const browser = await launchBrowser({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    // Let the page settle first (its own lite score, the model it tries to load) so that nothing
    // else runs while it is timed.
    await page.getByLabel('Lite readability score').waitFor({ timeout: 120_000 });
    await page.waitForTimeout(3000);
    const result = (await page.evaluate(`(async () => {
      const { predictLite } = await import('/src/readability/lite.ts');
      const text = ${JSON.stringify(BENCH_TEXT)};
      for (let i = 0; i < ${warmup}; i++) predictLite(text);
      const times = [];
      for (let i = 0; i < ${runs}; i++) {
        const t = performance.now();
        predictLite(text);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      return {
        median: times[Math.floor(${runs} / 2)],
        p90: times[Math.floor(${runs} * 0.9)],
        isIsolated: self.crossOriginIsolated,
      };
    })()`)) as { median: number; p90: number; isIsolated: boolean };
    return {
      ...result,
      words: BENCH_TEXT.split(/\s+/).length,
      runs,
      browser: `Chromium ${browser.version()}`,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

const HEADING = '## Lite model';

/** Replaces (or adds) this script's own section of BENCHMARKS.md, leaving the rest as it is. */
export function writeLiteSection(section: string, file = 'BENCHMARKS.md'): void {
  const body = `${HEADING}\n\n${section.trim()}\n`;
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmarks\n\n${body}`);
    return;
  }
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`${HEADING}\n`);
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${body}`);
    return;
  }
  const next = text.indexOf('\n## ', start + HEADING.length);
  const rest = next < 0 ? '' : `\n${text.slice(next + 1)}`;
  writeFileSync(file, `${text.slice(0, start)}${body}${rest}`);
}

const ms = (x: number) => `${x.toFixed(3)} ms`;

/** The files the lite model ships in the readability worker, with their raw and gzipped sizes. */
export const LITE_ASSETS = [
  'src/readability/lite-weights.json',
  'src/readability/word-frequency.json',
];

/** Each lite asset's size and its size gzipped at level 9, in bytes. */
export function liteAssetSizes(): { path: string; bytes: number; gzipped: number }[] {
  return LITE_ASSETS.map((path) => {
    const raw = readFileSync(path);
    return { path, bytes: raw.length, gzipped: gzipSync(raw, { level: 9 }).length };
  });
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} KB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Number(process.argv[i + 1]) : 500;
  const node = benchLite(runs);
  console.log(
    `lite model, ${node.words} words, Node ${process.version}: median ${ms(node.median)}, p90 ${ms(node.p90)}`,
  );
  if (process.argv.includes('--browser')) {
    const b = await benchLiteInBrowser(runs);
    console.log(
      `lite model, ${b.words} words, ${b.browser} page: median ${ms(b.median)}, p90 ${ms(b.p90)}`,
    );
    const cpu = cpus();
    const sizes = liteAssetSizes();
    const gzipped = sizes.reduce((s, a) => s + a.gzipped, 0);
    writeLiteSection(
      [
        `Issues 6 and 19: the lite model (with its word-frequency features since issue 19) scores a`,
        `200-word text in under 5 ms in the browser, and its assets stay small.`,
        `\`npx tsx scripts/bench-lite.ts --browser\`, ${new Date().toISOString().slice(0, 10)}, ` +
          `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; ` +
          `\`predictLite\` on the fixed ${b.words}-word text, ${b.runs} runs after 100 warm-up runs.`,
        '',
        `- ${b.browser}, in the app's page (Vite dev server${b.isIsolated ? ', cross-origin isolated' : ''}): ` +
          `median ${ms(b.median)}, p90 ${ms(b.p90)}`,
        `- Node ${process.version}: median ${ms(node.median)}, p90 ${ms(node.p90)}`,
        '',
        `Assets, loaded by the readability worker only (${kb(gzipped)} gzipped in all):`,
        '',
        ...sizes.map((a) => `- \`${a.path}\`: ${kb(a.bytes)}, ${kb(a.gzipped)} gzipped`),
      ].join('\n'),
    );
    console.log('written to BENCHMARKS.md (section "Lite model")');
  }
}
