/**
 * The browser half of the benchmark: the app's engine (EngineClient and its worker) in headless
 * Chromium on WASM or WebGPU, and the session-level variants in the bench's own worker. Each run
 * gets a fresh browser, so the renderer's peak memory is that run's alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, openPage } from '../../tests/support/browser.ts';
import type { EngineTimings } from './engineRun.ts';
import type { VariantRow } from './variants.ts';

/** Peak resident memory (VmHWM) of the browser's processes of one type, in MiB. */
export interface ProcessPeaks {
  rendererMiB: number;
  gpuMiB: number;
}

function childrenOf(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may hold spaces and parentheses: the ppid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/**
 * VmHWM of the renderer and GPU processes of the browser this process launched (playwright spawns
 * it as our child; the bench runs one browser at a time), read from /proc (Linux).
 */
export function processPeaks(): ProcessPeaks {
  const peaks = { rendererMiB: 0, gpuMiB: 0 };
  const children = childrenOf();
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const mib = hwm ? Number(hwm[1]) / 1024 : 0;
      if (cmdline.includes('--type=renderer')) peaks.rendererMiB = Math.max(peaks.rendererMiB, mib);
      if (cmdline.includes('--type=gpu-process')) peaks.gpuMiB = Math.max(peaks.gpuMiB, mib);
    } catch {
      // the process ended while we looked
    }
  }
  return peaks;
}

async function withPage<T>(
  url: string,
  webgpu: boolean,
  run: (page: Page) => Promise<T>,
): Promise<T & { peaks: ProcessPeaks; chromium: string }> {
  const browser = await launchBrowser({ webgpu });
  try {
    const page = await openPage(browser, `${url}/scripts/bench/page.html`);
    const result = await run(page);
    return { ...result, peaks: processPeaks(), chromium: browser.version() };
  } finally {
    await browser.close();
  }
}

export interface BrowserEngineRun extends EngineTimings {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

/**
 * Loads the model through the app's EngineClient and times it. The script is a string so that
 * tsx leaves the browser-side dynamic imports alone.
 */
export function runBrowserEngine(
  url: string,
  options: {
    model: string;
    backend: 'wasm' | 'webgpu';
    threads?: number;
    texts: string[];
    reps: number;
  },
) {
  return withPage(url, options.backend === 'webgpu', async (page) => {
    const args = JSON.stringify(options);
    const run =
      await page.evaluate<BrowserEngineRun>(`(async ({ model, backend, threads, texts, reps }) => {
      const { EngineClient } = await import('/src/engine/client.ts');
      const { timeEngine } = await import('/scripts/bench/engineRun.ts');
      const client = new EngineClient();
      try {
        const started = performance.now();
        const info = await client.load({ source: { kind: 'served', path: model }, backend, dtype: 'fp32', threads });
        const loadMs = performance.now() - started;
        const timings = await timeEngine(client, info, loadMs, texts, reps);
        return { ...timings, crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
      } finally {
        client.dispose();
      }
    })(${args})`);
    return { run };
  });
}

/** Runs the session-level variants on WASM in the bench's own worker. */
export function runBrowserVariants(
  url: string,
  options: { model: string; threads: number; texts: string[]; reps: number },
) {
  return withPage(url, false, async (page) => {
    page.on('console', (m) => console.error(`  [chromium] ${m.text()}`));
    const args = JSON.stringify(options);
    const answer = await page.evaluate<{
      rows?: VariantRow[];
      error?: string;
    }>(`(async (request) => {
      const worker = new Worker('/scripts/bench/browserWorker.ts', { type: 'module' });
      try {
        return await new Promise((resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => resolve({ error: e.message || 'worker error' });
          worker.postMessage(request);
        });
      } finally {
        worker.terminate();
      }
    })(${args})`);
    if (answer.error) throw new Error(`browser variants failed: ${answer.error}`);
    return { rows: answer.rows ?? [] };
  });
}
