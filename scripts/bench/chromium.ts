/**
 * The browser half of the benchmark: the app's engine (EngineClient and its worker) in headless
 * Chromium on WASM or WebGPU, and the session-level variants in the bench's own worker. Each run
 * gets a fresh browser, so the renderer's peak memory is that run's alone.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, openPage } from '../../tests/support/browser.ts';
import type { ModelInfo } from '../../src/engine/protocol.ts';
import type { Dtype } from '../../src/engine/dtypes.ts';
import { timeEngine, type EmbedSummary, type EngineSteps } from './engineRun.ts';
import type { BenchWorkerRequest } from './browserWorker.ts';
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
 * The renderer and GPU processes of the browser this process launched (playwright spawns it as our
 * child; the bench runs one browser at a time), found through /proc (Linux).
 */
function browserProcesses(): { pid: number; type: 'renderer' | 'gpu' }[] {
  const children = childrenOf();
  const stack = [...(children.get(process.pid) ?? [])];
  const found: { pid: number; type: 'renderer' | 'gpu' }[] = [];
  while (stack.length) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes('--type=renderer')) found.push({ pid, type: 'renderer' });
      if (cmdline.includes('--type=gpu-process')) found.push({ pid, type: 'gpu' });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** VmHWM (peak resident set) of the renderer and GPU processes, in MiB. */
export function processPeaks(): ProcessPeaks {
  const peaks = { rendererMiB: 0, gpuMiB: 0 };
  for (const { pid, type } of browserProcesses()) {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      const mib = hwm ? Number(hwm[1]) / 1024 : 0;
      if (type === 'renderer') peaks.rendererMiB = Math.max(peaks.rendererMiB, mib);
      else peaks.gpuMiB = Math.max(peaks.gpuMiB, mib);
    } catch {
      // the process ended while we looked
    }
  }
  return peaks;
}

/** CPU time (user + system) of the renderer processes, in ms; the workers' threads included. */
export function rendererCpuMs(): number {
  const tick = 10; // USER_HZ is 100 on Linux
  let total = 0;
  for (const { pid, type } of browserProcesses()) {
    if (type !== 'renderer') continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // the process ended while we looked
    }
  }
  return total;
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

/**
 * Loads the model through the app's EngineClient (kept on the page between steps) and times it.
 * Scripts are strings so that tsx leaves the browser-side dynamic imports alone.
 */
export function runBrowserEngine(
  url: string,
  options: {
    model: string;
    backend: 'wasm' | 'webgpu';
    /** The model file to load (fp32 when left out). */
    dtype?: Dtype;
    threads?: number;
    texts: string[];
    reps: number;
    probeText: string;
  },
) {
  return withPage(url, options.backend === 'webgpu', async (page) => {
    const { model, backend, threads, dtype = 'fp32' } = options;
    const started = performance.now();
    const loaded = await page.evaluate<{
      info: ModelInfo;
      crossOriginIsolated: boolean;
      hardwareConcurrency: number;
    }>(`(async (options) => {
      const { EngineClient } = await import('/src/engine/client.ts');
      const { summariseEmbed } = await import('/scripts/bench/engineRun.ts');
      const client = new EngineClient();
      window.benchSteps = {
        encode: async (text) => (await client.encode(text)).ids.length,
        embed: async (texts) => summariseEmbed(await client.embed(texts, ['mean'])),
      };
      const info = await client.load({ source: { kind: 'served', path: options.model }, backend: options.backend, dtype: options.dtype, threads: options.threads });
      return { info, crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
    })(${JSON.stringify({ model, backend, threads, dtype })})`);
    const loadMs = performance.now() - started;
    const steps: EngineSteps = {
      encode: (text) => page.evaluate<number>(`window.benchSteps.encode(${JSON.stringify(text)})`),
      embed: (texts) =>
        page.evaluate<EmbedSummary>(`window.benchSteps.embed(${JSON.stringify(texts)})`),
    };
    const timings = await timeEngine(
      steps,
      options.texts,
      options.reps,
      options.probeText,
      rendererCpuMs,
    );
    return { run: { ...timings, ...loaded, loadMs } };
  });
}

/** Runs one request in the bench's own worker (browserWorker.ts) on a fresh page. */
function inBenchWorker(url: string, request: BenchWorkerRequest) {
  return withPage(url, false, async (page) => {
    page.on('console', (m) => console.error(`  [chromium] ${m.text()}`));
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
    })(${JSON.stringify(request)})`);
    if (!answer.rows) throw new Error(`browser ${request.kind} run failed: ${answer.error}`);
    return { rows: answer.rows };
  });
}

/** Runs the session-level variants on WASM in the bench's own worker. */
export function runBrowserVariants(
  url: string,
  options: { model: string; threads: number; texts: string[]; reps: number },
) {
  return inBenchWorker(url, { kind: 'variants', ...options });
}

/**
 * The engine's batch pass in the bench's own worker: on one of onnxruntime-web's WASM builds
 * (`engine-pass`), or under ORT's profiler (`op-profile`).
 */
export async function runBrowserPass(
  url: string,
  request: Omit<BenchWorkerRequest, 'kind'> & { kind: 'engine-pass' | 'op-profile' },
) {
  const { rows, ...rest } = await inBenchWorker(url, request);
  return { ...rest, row: rows[0] };
}
