// Benchmarks the strategy × layer ridge sweep: 3,000 rows, hidden 768, 13 layers, 5-fold CV over the
// default α grid, cells shared out to a pool of worker threads (one per core by default).
// Features are synthetic but structured: a low-rank latent factor model with per-dimension offsets
// and scales, and a readability-like signal planted most strongly around layer 8.
// Usage: npx tsx scripts/bench-sweep.ts [--rows 3000] [--hidden 768] [--workers 2] [--only-hidden-size]
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  PARAMETER_FREE_STRATEGIES,
  STRATEGIES,
  validLayers,
  type ParameterFreeStrategy,
} from '../src/analysis/pooling.ts';
import { sweepCell, sweepGrid, type SweepEntry } from '../src/analysis/ridge.ts';
import { makeNormal } from '../src/analysis/rng.ts';

interface Config {
  rows: number;
  hidden: number;
  layers: number;
  rank: number;
}
interface Job {
  strategy: ParameterFreeStrategy;
  layer: number;
  dim: number;
}

const STRATEGY_LIST = PARAMETER_FREE_STRATEGIES;

function targets(cfg: Config): { latent: Float64Array; y: Float64Array } {
  const normal = makeNormal(1);
  const latent = Float64Array.from({ length: cfg.rows * cfg.rank }, () => normal()); // [rows, rank]
  const y = new Float64Array(cfg.rows);
  for (let i = 0; i < cfg.rows; i++) y[i] = latent[i * cfg.rank] + 0.5 * normal(); // factor 0 is the signal
  return { latent, y };
}

function features(cfg: Config, job: Job, latent: Float64Array): Float32Array {
  const seed = 1000 * (STRATEGY_LIST.indexOf(job.strategy) + 1) + job.layer;
  const normal = makeNormal(seed);
  const { rows, rank } = cfg;
  const d = job.dim;
  const signal = Math.exp(-(((job.layer - 8) / 3) ** 2)); // strongest at layer 8
  const load = new Float64Array(rank * d); // [rank, d]
  for (let r = 0; r < rank; r++)
    for (let k = 0; k < d; k++) load[r * d + k] = normal() * (r === 0 ? 0.3 * signal : 1 / (1 + r));
  const offset = Float64Array.from({ length: d }, () => 3 * normal());
  const scale = Float64Array.from({ length: d }, () => Math.exp(normal()));
  const x = new Float32Array(rows * d); // [rows, d]
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < d; k++) {
      let v = 2 * normal();
      for (let r = 0; r < rank; r++) v += latent[i * rank + r] * load[r * d + k];
      x[i * d + k] = offset[k] + scale[k] * v;
    }
  return x;
}

// Worker threads do not inherit tsx's loader, so each one registers it before importing this file.
const WORKER_BOOT = `import('tsx/esm/api').then((m) => { m.register(); return import(require('node:worker_threads').workerData.url); });`;

if (isMainThread) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const cfg: Config = { rows: arg('rows', 3000), hidden: arg('hidden', 768), layers: 13, rank: 16 };
  const workers = arg('workers', Math.min(2, availableParallelism()));
  const onlyHiddenSize = process.argv.includes('--only-hidden-size');
  const jobs: Job[] = STRATEGY_LIST.flatMap((strategy) =>
    validLayers(strategy, cfg.layers).map((layer) => ({
      strategy,
      layer,
      dim: STRATEGIES[strategy].outputSize(cfg.hidden),
    })),
  ).filter((j) => !onlyHiddenSize || j.dim === cfg.hidden);
  // Biggest first, so no worker is left with a wide cell at the end.
  const queue = [...jobs].sort((a, b) => b.dim - a.dim);
  const entries: SweepEntry[] = [];
  const perStrategy = new Map<string, number>();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, () => {
      const w = new Worker(WORKER_BOOT, {
        eval: true,
        execArgv: [],
        workerData: { cfg, url: import.meta.url },
      });
      return new Promise<void>((resolve, reject) => {
        const next = () => {
          const job = queue.shift();
          if (job) w.postMessage(job);
          else void w.terminate().then(() => resolve());
        };
        w.on('message', (m: { entry: SweepEntry; ms: number }) => {
          entries.push(m.entry);
          perStrategy.set(m.entry.strategy, (perStrategy.get(m.entry.strategy) ?? 0) + m.ms);
          next();
        });
        w.on('error', reject);
        w.on('online', next);
      });
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const grid = sweepGrid(entries, cfg.layers);
  console.log(
    `${entries.length} cells, ${cfg.rows} rows, hidden ${cfg.hidden}, 5-fold CV, ` +
      `${workers} workers: ${seconds.toFixed(1)} s wall`,
  );
  for (const [s, ms] of perStrategy)
    console.log(`  ${s.padEnd(18)} ${(ms / 1000).toFixed(1)} s cpu`);
  grid.strategies.forEach((s, i) =>
    console.log(
      `  ${s.padEnd(18)} ${grid.rmse[i].map((v) => (v === null ? '  -  ' : v.toFixed(3))).join(' ')}`,
    ),
  );
  console.log(
    `best: ${grid.best?.strategy} @ layer ${grid.best?.layer}, RMSE ${grid.best?.result.rmse.toFixed(3)}`,
  );
} else {
  const { cfg } = workerData as { cfg: Config };
  const { latent, y } = targets(cfg);
  parentPort!.on('message', (job: Job) => {
    const data = features(cfg, job, latent);
    const t0 = performance.now();
    const entry = sweepCell(
      {
        strategy: job.strategy,
        layer: job.layer,
        features: { data, rows: cfg.rows, cols: job.dim },
      },
      y,
    );
    parentPort!.postMessage({ entry, ms: performance.now() - t0 });
  });
}
