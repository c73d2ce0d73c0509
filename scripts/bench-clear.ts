// The Fit view's cost estimate for the CLEAR corpus against the time the run then takes, in the
// app's page in Debian's Chromium on WASM, on the base-size bench model: the view times its
// warm-up batch and estimates the subset, then the subset is extracted and swept through the UI.
//   npx tsx scripts/bench-clear.ts [--rows 24] [--model bench/models/roberta-base-random]
// Prints the figures and writes them to BENCHMARKS.md (section "CLEAR corpus: cost estimate").
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startApp } from '../tests/support/browser.ts';

const option = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
};
const ROWS = Number(option('rows', '24'));
const MODEL = option('model', 'bench/models/roberta-base-random');
const HEADING = '## CLEAR corpus: cost estimate';
const LONG = 30 * 60_000;

/** Seconds in the estimate's wording ("1 min 5 s", "45 s", "2.5 s"). */
export function parseDuration(text: string): number {
  const h = /(\d+) h/.exec(text);
  const m = /(\d+) min/.exec(text);
  const s = /([\d.]+) s/.exec(text);
  return (h ? 3600 * Number(h[1]) : 0) + (m ? 60 * Number(m[1]) : 0) + (s ? Number(s[1]) : 0);
}

/** Replaces (or adds) this script's section of BENCHMARKS.md, leaving the rest as it is. */
function writeSection(body: string, file = 'BENCHMARKS.md'): void {
  const section = `${HEADING}\n\n${body.trim()}\n`;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(`${HEADING}\n`);
  if (start < 0) return writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
  const next = text.indexOf('\n## ', start + HEADING.length);
  writeFileSync(file, `${text.slice(0, start)}${section}${next < 0 ? '' : text.slice(next)}`);
}

async function main() {
  if (!existsSync(join(MODEL, 'onnx', 'model.onnx'))) {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/make-fixtures.ts', '--base', MODEL],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('generating the base-size model failed');
  }
  const load = loadavg()[0];
  const { server, url } = await startApp();
  const browser = await launchBrowser({ webgpu: false });
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/?source=served&model=/${MODEL}&backend=wasm&view=fit`);
    await page.getByTestId('backend-name').waitFor({ timeout: LONG });
    const panel = page.getByRole('region', { name: 'Use the CLEAR corpus' });
    await panel.getByRole('button', { name: 'Use the CLEAR corpus' }).click();
    const rate = (await panel.getByTestId('clear-rate').textContent({ timeout: LONG }))!;
    await panel.getByLabel('Number of excerpts').fill(String(ROWS));
    const other = panel.locator('label', { has: page.getByLabel('Number of excerpts') });
    const estimate = (await other.locator('.hint').textContent())!;
    const [, total, reading, sweeping] = /about (.+?) \((.+?) reading, (.+?) sweeping\)/.exec(
      estimate,
    )!;
    const five = (await panel.locator('label').first().textContent())!;
    await panel.getByRole('button', { name: `Use ${ROWS} excerpts` }).click();
    const started = performance.now();
    await page.getByRole('button', { name: `Extract features and sweep ${ROWS} rows` }).click();
    // Extraction ends when the sweep's progress (or, for a fast sweep, its results) shows.
    await Promise.race([
      page.getByLabel('Sweep progress').waitFor({ timeout: LONG }),
      page.getByTestId('sweep-results').waitFor({ timeout: LONG }),
    ]);
    const extracted = (performance.now() - started) / 1000;
    await page.getByTestId('selected-head').waitFor({ timeout: LONG });
    const done = (performance.now() - started) / 1000;
    const cpu = cpus();
    const lines = [
      `Issue 19: before a run on the CLEAR corpus the Fit view times a warm-up batch of 8 excerpts`,
      `on the loaded model and estimates each subset: extraction at that rate, the sweep scaled`,
      `from its reference figure. \`npx tsx scripts/bench-clear.ts --rows ${ROWS}\`,`,
      `${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'},`,
      `load average ${load.toFixed(1)} at the start; Chromium ${browser.version()}, the Vite dev server,`,
      `WASM, \`${MODEL}\` (roberta-base's shape, random weights, the fixture tokenizer: about`,
      `2.1 tokens a word, so CLEAR's excerpts run ~370 tokens where roberta-base's own tokenizer`,
      `gives ~235).`,
      '',
      `- warm-up: ${rate.trim()}`,
      `- the view's estimate for ${ROWS} excerpts: ${total} (${reading} reading, ${sweeping} sweeping)`,
      `- measured: ${extracted.toFixed(1)} s reading, ${(done - extracted).toFixed(1)} s sweeping,` +
        ` confirming and fitting the best cell; ${done.toFixed(1)} s in all` +
        ` (estimate / measured: ${(parseDuration(total) / done).toFixed(2)})`,
      `- the same view's offer for 500: ${five.replace(/\s+/g, ' ').trim()}`,
    ];
    console.log(lines.join('\n'));
    writeSection(lines.join('\n'));
    console.log(`written to BENCHMARKS.md (section "${HEADING.slice(3)}")`);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
