// Benchmarks the strategy × layer ridge sweep: 3,000 rows, hidden 768, 13 layers, 5-fold CV over the
// default α grid, cells shared out to a pool of worker threads (one per core by default).
// Features are synthetic but shaped like the engine's output: a table of per-layer CLS, mean, max
// and WK vectors [rows, layers, hidden] on shared memory, from which every cell is built with the
// app's own featuresFrom, so mean-max, concat-last-4 and the layer averages are made of correlated
// per-layer blocks as they are for a real model. Each layer's state is a low-rank latent factor
// model whose loadings drift from layer to layer, with per-row noise that also carries over between
// layers, per-dimension offsets and scales, and a readability-like factor loading most strongly
// around layer 8.
// The default is the app's quick sweep (features sketched to QUICK_SWEEP_SKETCH columns); `--exact`
// fits every cell on its full features, `--compare` runs both and reports how far the quick sweep's
// RMSEs and ranking are from the exact ones.
// `--browser` runs the quick (or `--exact`) sweep in Chromium through the Fit view's SweepSession
// and its workers instead of Node's worker threads, on the same table built in the page, then
// cross-validates the quick sweep's best estimates exactly as the Fit view does; with
// `--inspect concat-last4@10,...` it then times selecting those cells (their exact CV and fit), and
// with `--learned` it cross-validates the learned poolings (layer weights, attention, LSTM, GRU) on
// the same table and folds as the Fit view does; `--conv1d` adds Conv1D on a synthetic token table
// shaped as the Fit view holds it (see sweepData tokenTable), beside ridge on its max pooling.
// `--exact-cache FILE` keeps the exact sweep of `--compare` in FILE and reuses it while the data's
// configuration is the same, so quick settings can be tried against it in a minute each.
// `--power P` gives each row's noise a power-law spectrum (variances ∝ (j + 1)^−P over a random
// rotation) instead of white noise: a harder case for the ridge solves' Lanczos runs.
// Usage: npx tsx scripts/bench-sweep.ts [--rows 3000] [--hidden 768] [--workers 2] [--sketch N]
//        [--power P]
//        [--exact | --compare] [--exact-cache FILE]
//        [--browser [--inspect CELLS] [--learned] [--conv1d]]
//        [--only-hidden-size]
//        [--strategies cls,mean,...]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  PARAMETER_FREE_STRATEGIES,
  STRATEGIES,
  poolOptionsFor,
  validLayers,
  type ParameterFreeStrategy,
} from '../src/analysis/pooling.ts';
import { DEFAULT_SEED, ridgeCV } from '../src/analysis/crossValidate.ts';
import {
  QUICK_SWEEP_SKETCH,
  sweepCell,
  sweepGrid,
  type SweepEntry,
} from '../src/analysis/sweep.ts';
import { featuresFrom, type PooledVectors } from '../src/pipeline/scoring.ts';
import { launchBrowser, openPage, startApp } from '../tests/support/browser.ts';
import { pooledTable, targets, tokenTable, type Config } from './bench/sweepData.ts';

/** Conv1D's parameter-free counterpart on the bench's token table: ridge on each text's max. */
function maxPoolRidge(cfg: Config): number {
  const { latent, y } = targets(cfg);
  const tokens = tokenTable(cfg, latent);
  const dim = tokens.hidden;
  const max = new Float32Array(cfg.rows * dim).fill(-Infinity);
  for (let i = 0; i < cfg.rows; i++)
    for (let t = tokens.offsets[i]; t < tokens.offsets[i + 1]; t++)
      for (let k = 0; k < dim; k++)
        max[i * dim + k] = Math.max(max[i * dim + k], tokens.data[t * dim + k]);
  return ridgeCV({ data: max, rows: cfg.rows, cols: dim }, y, { folds: 5, seed: DEFAULT_SEED })
    .rmse;
}

interface Job {
  strategy: ParameterFreeStrategy;
  layer: number;
  dim: number;
  sketch?: number;
}

const STRATEGY_LIST = PARAMETER_FREE_STRATEGIES;

// Worker threads do not inherit tsx's loader, so each one registers it before importing this file.
const WORKER_BOOT = `import('tsx/esm/api').then((m) => { m.register(); return import(require('node:worker_threads').workerData.url); });`;

interface Run {
  entries: SweepEntry[];
  seconds: number;
  cpu: Map<string, number>; // strategy → ms spent fitting in the workers
  /** The busiest worker's time on its cells (building features, fitting): the sweep's wall time. */
  fitSeconds: number;
}

/** Runs the jobs on a pool of worker threads, biggest cells first. */
async function runSweep(
  cfg: Config,
  data: { table: PooledVectors; y: Float64Array },
  jobs: Job[],
  workers: number,
): Promise<Run> {
  // Biggest first, so no worker is left with a wide cell at the end.
  const queue = [...jobs].sort((a, b) => b.dim - a.dim);
  const entries: SweepEntry[] = [];
  const cpu = new Map<string, number>();
  const fitMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, (_, id) => {
      fitMs[id] = 0;
      const w = new Worker(WORKER_BOOT, {
        eval: true,
        execArgv: [],
        workerData: { cfg, url: import.meta.url, ...data },
      });
      return new Promise<void>((resolve, reject) => {
        const next = () => {
          const job = queue.shift();
          if (job) w.postMessage(job);
          else void w.terminate().then(() => resolve());
        };
        w.on('message', (m: { entry: SweepEntry; ms: number }) => {
          entries.push(m.entry);
          cpu.set(m.entry.strategy, (cpu.get(m.entry.strategy) ?? 0) + m.ms);
          fitMs[id] += m.ms;
          next();
        });
        w.on('error', reject);
        w.on('online', next);
      });
    }),
  );
  return {
    entries,
    seconds: (performance.now() - start) / 1000,
    cpu,
    fitSeconds: Math.max(...fitMs) / 1000,
  };
}

function report(label: string, cfg: Config, run: Run, workers: number): void {
  const grid = sweepGrid(run.entries, cfg.layers);
  console.log(
    `${label}: ${run.entries.length} cells, ${cfg.rows} rows, hidden ${cfg.hidden}, 5-fold CV, ` +
      `${workers} workers: ${run.fitSeconds.toFixed(1)} s wall (busiest worker; ` +
      `${run.seconds.toFixed(1)} s with the workers' start-up)`,
  );
  for (const [s, ms] of run.cpu) console.log(`  ${s.padEnd(18)} ${(ms / 1000).toFixed(1)} s cpu`);
  grid.strategies.forEach((s, i) =>
    console.log(
      `  ${s.padEnd(18)} ${grid.rmse[i].map((v) => (v === null ? '  -  ' : v.toFixed(3))).join(' ')}`,
    ),
  );
  console.log(
    `  best: ${grid.best?.strategy} @ layer ${grid.best?.layer}, RMSE ${grid.best?.result.rmse.toFixed(3)}`,
  );
}

/** Ranks with ties averaged, for Spearman's correlation. */
function ranks(v: number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** How far the quick sweep is from the exact one, cell for cell. */
function compare(cfg: Config, quick: Run, exact: Run): void {
  const key = (e: SweepEntry) => `${e.strategy}@${e.layer}`;
  const exactBy = new Map(exact.entries.map((e) => [key(e), e]));
  const pairs = quick.entries.map((q) => [q, exactBy.get(key(q))!] as const);
  const diff = pairs.map(([q, e]) => q.result.rmse - e.result.rmse);
  const rel = pairs.map(([q, e]) => q.result.rmse / e.result.rmse - 1);
  const qBest = sweepGrid(quick.entries, cfg.layers).best!;
  const eBest = sweepGrid(exact.entries, cfg.layers).best!;
  const qs = pairs.map(([q]) => q.result.rmse);
  const es = pairs.map(([, e]) => e.result.rmse);
  const exactOfQuickBest = exactBy.get(key(qBest))!.result.rmse;
  console.log('quick vs exact, cell for cell:');
  console.log(
    `  RMSE difference: mean ${(diff.reduce((s, v) => s + v, 0) / diff.length).toFixed(4)}, ` +
      `max |Δ| ${Math.max(...diff.map(Math.abs)).toFixed(4)} ` +
      `(relative: mean ${((100 * rel.reduce((s, v) => s + v, 0)) / rel.length).toFixed(2)}%, ` +
      `max ${(100 * Math.max(...rel.map(Math.abs))).toFixed(2)}%)`,
  );
  for (const strategy of new Set(pairs.map(([q]) => q.strategy))) {
    const r = pairs.flatMap(([q], i) => (q.strategy === strategy ? [rel[i]] : []));
    console.log(
      `  ${strategy.padEnd(18)} reads high by ${((100 * r.reduce((s, v) => s + v, 0)) / r.length).toFixed(1)}% ` +
        `on average, ${(100 * Math.max(...r)).toFixed(1)}% at most`,
    );
  }
  console.log(
    `  Spearman rank correlation of the cells: ${pearson(ranks(qs), ranks(es)).toFixed(4)}`,
  );
  console.log(
    `  best cell: quick ${qBest.strategy}@${qBest.layer}, exact ${eBest.strategy}@${eBest.layer}; ` +
      `the quick pick's exact RMSE ${exactOfQuickBest.toFixed(4)} against the exact best ` +
      `${eBest.result.rmse.toFixed(4)}`,
  );
  console.log(
    `  wall time fitting: quick ${quick.fitSeconds.toFixed(1)} s, exact ${exact.fitSeconds.toFixed(1)} s`,
  );
}

/**
 * The sweep as the Fit view runs it: the page builds the same synthetic table on shared memory and
 * hands the cells to `SweepSession`, which deals them to one worker per core (at most 4).
 */
async function browserSweep(
  cfg: Config,
  jobs: Job[],
  sketch?: number,
): Promise<{ run: Run; pool: number }> {
  const at = process.argv.indexOf('--inspect');
  const inspect = at >= 0 ? process.argv[at + 1].split(',') : [];
  const learned = process.argv.includes('--learned');
  const conv1d = process.argv.includes('--conv1d');
  const app = await startApp();
  const browser = await launchBrowser({ webgpu: false });
  try {
    const page = await openPage(browser, `${app.url}/scripts/bench/page.html`);
    const out = await page.evaluate<{
      entries: SweepEntry[];
      seconds: number;
      inspected: { cell: string; seconds: number; rmse: number }[];
      learned: { strategy: string; seconds: number; rmse: number; std: number }[];
      learnedSeconds: number;
      conv1d: { seconds: number; rmse: number; std: number } | null;
      confirmation: {
        seconds: number;
        cells: string[];
        best: { cell: string; rmse: number } | null;
      };
      pool: number;
      isolated: boolean;
    }>(`(async (o) => {
      const { SweepSession } = await import('/src/pipeline/sweepSession.ts');
      const { webSweepWorkers } = await import('/src/ui/workers/webSweepWorkers.ts');
      const { sweepPlan } = await import('/src/pipeline/fitRun.ts');
      const { pooledTable, targets } = await import('/scripts/bench/sweepData.ts');
      const { latent, y } = targets(o.cfg);
      const table = pooledTable(o.cfg, latent);
      const plan = sweepPlan(o.cfg.layers);
      const cells = plan.cells.filter((c) => o.cells.includes(c.strategy + '@' + c.layer));
      const client = new SweepSession(webSweepWorkers());
      const started = performance.now();
      const entries = await client.sweep({
        type: 'sweep', table, y, cells, poolOptions: plan.poolOptions, folds: 5, seed: o.seed,
        sketch: o.sketch,
      });
      const seconds = (performance.now() - started) / 1000;
      // As the Fit view does after a quick sweep: each strategy's best estimate exactly.
      const { sweepGrid } = await import('/src/analysis/sweep.ts');
      const t0 = performance.now();
      const { entries: confirmed } = await client.confirmBest(entries);
      const best = sweepGrid(confirmed, o.cfg.layers).best;
      const confirmation = {
        seconds: (performance.now() - t0) / 1000,
        cells: confirmed.filter((e) => e.estimate !== undefined).map((e) => e.strategy + '@' + e.layer),
        best: best && { cell: best.strategy + '@' + best.layer, rmse: best.result.rmse },
      };
      // Selecting a cell: its exact CV (folds shared among the workers) and fit.
      const inspected = [];
      for (const key of o.inspect) {
        const i = cells.findIndex((c) => c.strategy + '@' + c.layer === key);
        if (i < 0) throw new Error('no cell ' + key);
        const t = performance.now();
        const { cv } = await client.inspect(cells[i], entries[i]);
        inspected.push({ cell: key, seconds: (performance.now() - t) / 1000, rmse: cv.rmse });
      }
      // The learned poolings, as the Fit view's button runs them.
      const learned = [];
      const t1 = performance.now();
      if (o.learned) {
        const { LAYERWISE_LEARNED_STRATEGIES } = await import('/src/analysis/pooling.ts');
        const { learnedConfigFor } = await import('/src/analysis/learnedConfig.ts');
        await client.learnedCv(LAYERWISE_LEARNED_STRATEGIES, (s) => learnedConfigFor(s, plan.poolOptions),
          (_done, _total, r) => {
            if (r) learned.push({ strategy: r.strategy, seconds: (performance.now() - t1) / 1000,
              rmse: r.cv.rmse, std: r.cv.rmseStd });
          });
      }
      const learnedSeconds = (performance.now() - t1) / 1000;
      // Conv1D, on tokens held beside the table as the Fit view holds them.
      let conv1d = null;
      if (o.conv1d) {
        const { tokenTable } = await import('/scripts/bench/sweepData.ts');
        const { learnedConfigFor } = await import('/src/analysis/learnedConfig.ts');
        await client.holdTokens(tokenTable(o.cfg, latent));
        const t2 = performance.now();
        const [r] = await client.learnedCv(['conv1d'], (s) => learnedConfigFor(s, plan.poolOptions));
        conv1d = { seconds: (performance.now() - t2) / 1000, rmse: r.cv.rmse, std: r.cv.rmseStd };
      }
      return {
        entries,
        seconds,
        confirmation,
        inspected,
        conv1d,
        learned,
        learnedSeconds,
        pool: Math.min(navigator.hardwareConcurrency, 4),
        isolated: crossOriginIsolated,
      };
    })(${JSON.stringify({ cfg, cells: jobs.map((j) => `${j.strategy}@${j.layer}`), seed: DEFAULT_SEED, sketch, inspect, learned, conv1d })})`);
    const { confirmation: c } = out;
    if (c.cells.length)
      console.log(
        `confirming the ${c.cells.length} best estimates exactly (${c.cells.join(', ')}): ` +
          `${c.seconds.toFixed(1)} s; best then ${c.best?.cell}, exact CV RMSE ${c.best?.rmse.toFixed(4)}`,
      );
    for (const c of out.inspected)
      console.log(
        `selecting ${c.cell}: exact CV and fit in ${c.seconds.toFixed(1)} s (CV RMSE ${c.rmse.toFixed(4)})`,
      );
    if (learned) {
      console.log(
        `learned poolings, 5-fold CV (4 × 5 fits dealt to the workers): ${out.learnedSeconds.toFixed(1)} s`,
      );
      for (const l of out.learned)
        console.log(
          `  ${l.strategy.padEnd(17)} CV RMSE ${l.rmse.toFixed(4)} ± ${l.std.toFixed(4)} (done at ${l.seconds.toFixed(1)} s)`,
        );
    }
    if (out.conv1d) {
      const c = out.conv1d;
      console.log(
        `conv1d on the token table, 5-fold CV (5 fits dealt to the workers): ${c.seconds.toFixed(1)} s, ` +
          `CV RMSE ${c.rmse.toFixed(4)} ± ${c.std.toFixed(4)}; ridge on its max pooling: ` +
          `${maxPoolRidge(cfg).toFixed(4)}`,
      );
    }
    if (!out.isolated) console.log('warning: the page is not cross-origin isolated: one worker');
    const run = {
      entries: out.entries,
      seconds: out.seconds,
      fitSeconds: out.seconds,
      cpu: new Map(),
    };
    return { run, pool: out.isolated ? out.pool : 1 };
  } finally {
    await browser.close();
    await app.server.close();
  }
}

/** The exact sweep, from `--exact-cache FILE` when it holds one of the same data and cells. */
async function exactRun(
  cfg: Config,
  data: { table: PooledVectors; y: Float64Array },
  jobs: Job[],
  workers: number,
): Promise<Run> {
  const at = process.argv.indexOf('--exact-cache');
  const file = at >= 0 ? process.argv[at + 1] : null;
  const key = JSON.stringify({ cfg, cells: jobs.map((j) => `${j.strategy}@${j.layer}`) });
  if (file && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { key: string; run: Run };
    if (saved.key === key) {
      console.log(`exact sweep read from ${file} (timings are from when it was run)`);
      return { ...saved.run, cpu: new Map(Object.entries(saved.run.cpu)) };
    }
  }
  const run = await runSweep(cfg, data, jobs, workers);
  if (file)
    writeFileSync(file, JSON.stringify({ key, run: { ...run, cpu: Object.fromEntries(run.cpu) } }));
  return run;
}

if (isMainThread) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const power = arg('power', Number.NaN);
  const cfg: Config = {
    rows: arg('rows', 3000),
    hidden: arg('hidden', 768),
    layers: 13,
    rank: 16,
    ...(Number.isNaN(power) ? {} : { power }),
  };
  const workers = arg('workers', Math.min(2, availableParallelism()));
  const sketch = arg('sketch', QUICK_SWEEP_SKETCH);
  const onlyHiddenSize = process.argv.includes('--only-hidden-size');
  const listAt = process.argv.indexOf('--strategies');
  const only = listAt >= 0 ? process.argv[listAt + 1].split(',') : null;
  const mode = process.argv.includes('--compare')
    ? 'compare'
    : process.argv.includes('--exact')
      ? 'exact'
      : 'quick';
  const poolOptions = poolOptionsFor(cfg.layers);
  const jobs: Job[] = STRATEGY_LIST.flatMap((strategy) =>
    validLayers(strategy, cfg.layers, poolOptions).map((layer) => ({
      strategy,
      layer,
      dim: STRATEGIES[strategy].outputSize(cfg.hidden),
    })),
  )
    .filter((j) => !onlyHiddenSize || j.dim === cfg.hidden)
    .filter((j) => !only || only.includes(j.strategy));
  const quickJobs = jobs.map((j) => ({ ...j, sketch }));
  const { latent, y } = targets(cfg);
  const t0 = performance.now();
  const data = { table: pooledTable(cfg, latent), y };
  console.log(
    `synthetic pooled table: ${cfg.rows} rows × ${cfg.layers} layers × ${cfg.hidden} × 4 poolings ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s (not part of the sweep)`,
  );
  // --browser: the same cells through the Fit view's SweepSession and its workers in Chromium.
  const inBrowser = process.argv.includes('--browser');
  const run = async (label: string, withSketch?: number): Promise<Run> => {
    if (!inBrowser) {
      const r = await runSweep(cfg, data, withSketch ? quickJobs : jobs, workers);
      report(label, cfg, r, workers);
      return r;
    }
    const { run: r, pool } = await browserSweep(cfg, jobs, withSketch);
    report(`${label} in Chromium (the Fit view's SweepSession)`, cfg, r, pool);
    return r;
  };
  if (mode !== 'exact') {
    const quick = await run(`quick sweep (sketch ${sketch})`, sketch);
    if (mode === 'compare') {
      const exact = await exactRun(cfg, data, jobs, workers);
      report('exact sweep (Node)', cfg, exact, workers);
      compare(cfg, quick, exact);
    }
  } else await run('exact sweep');
} else {
  const { cfg, table, y } = workerData as { cfg: Config; table: PooledVectors; y: Float64Array };
  const poolOptions = poolOptionsFor(cfg.layers);
  parentPort!.on('message', (job: Job) => {
    const t0 = performance.now();
    const data = featuresFrom(table, job.strategy, job.layer, poolOptions);
    const entry = sweepCell(
      {
        strategy: job.strategy,
        layer: job.layer,
        features: { data, rows: cfg.rows, cols: job.dim },
      },
      y,
      { sketch: job.sketch },
    );
    parentPort!.postMessage({ entry, ms: performance.now() - t0 });
  });
}
