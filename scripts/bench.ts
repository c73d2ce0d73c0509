/**
 * `npm run bench`: the app's engine on onnxruntime-node (CPU, the native anchor) and in headless
 * Chromium (WASM, and WebGPU where an adapter exists), on the same base-size model and the same
 * CommonLit-length excerpts; then the session-level before/after rows (pruning, padding, pooling).
 * Writes bench/results.json and prints the tables. See BENCHMARKS.md for what each row means.
 *
 * Options: --excerpts N (8)  --reps N (3)  --variant-reps N (2)  --threads 1,2 (1 and all cores)
 * --only node,wasm,webgpu,variants,wasm-variants,typing (all; also wasm-builds, op-profile)
 * --model DIR (bench/models/roberta-base-random)
 * --out FILE (bench/results.json).
 * The software WebGPU adapter is ~100x slower than WASM, so its run scores only the short probe
 * text: a correctness check, not a speed figure. `typing` measures the Read view's main thread
 * while a long text is encoded and the user types (scripts/bench/typing.ts): the production build
 * on roberta-tiny, and the development build on the base-size model where it has been generated.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { runBrowserEngine, runBrowserPass, runBrowserVariants } from './bench/chromium.ts';
import type { EngineTimings } from './bench/engineRun.ts';
import { EXCERPT_WORDS, makeExcerpts, probeText } from './bench/excerpts.ts';
import type { ModelInfo } from '../src/engine/protocol.ts';
import { fmt, formatTable, median, perSecond } from './bench/stats.ts';
import { runTyping, type TypingRun } from './bench/typing.ts';
import { TYPED } from '../tests/support/typing.ts';
import type { OpTime, VariantRow } from './bench/variants.ts';
import { startApp, startBuiltApp } from '../tests/support/browser.ts';

type Runtime = 'node-cpu' | 'chromium-wasm' | 'chromium-webgpu';
type Part =
  | 'node'
  | 'wasm'
  | 'webgpu'
  | 'variants'
  | 'wasm-variants'
  | 'wasm-builds'
  | 'op-profile'
  | 'typing';

interface EngineRow extends Omit<EngineTimings, 'probe'> {
  runtime: Runtime;
  backend: ModelInfo['backend'];
  threads: number;
  adapter?: ModelInfo['adapter'];
  prunedNodes: number;
  /** Wall time of the load as the caller sees it: read, rewrite, session, warm-up. */
  loadMs: number;
  /** The engine's own figures: its load (download included) and the warm-up inside it. */
  engineLoadMs: number;
  warmupMs: number;
  /** Peak resident memory: the Node process, or the Chromium renderer (the tab) from /proc VmHWM. */
  peakMiB: number;
  /** Chromium's GPU process peak, where the WebGPU adapter's buffers live. */
  gpuProcessPeakMiB?: number;
  /** Largest |Δ| of the probe text's last-layer pooled mean against the native run. */
  maxAbsDiffVsNative?: number;
  loadAverage: number;
}

interface VariantSet {
  runtime: Runtime;
  threads: number;
  rows: VariantRow[];
  peakMiB: number;
  loadAverage: number;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

const ROOT = process.cwd();
const CORES = availableParallelism();
const MODEL_DIR = resolve(option('model', 'bench/models/roberta-base-random'));
const EXCERPTS = Number(option('excerpts', '8'));
const REPS = Number(option('reps', '3'));
const VARIANT_REPS = Number(option('variant-reps', '2'));
const OUT = option('out', 'bench/results.json');
const THREADS = [...new Set(option('threads', `1,${CORES}`).split(',').map(Number))];
const PARTS = new Set(
  option('only', 'node,wasm,webgpu,variants,wasm-variants,typing').split(',') as Part[],
);
const log = (line: string) => console.error(line);
const TYPED_KEYS = TYPED.length;
const load1 = () => Number(loadavg()[0].toFixed(2));

function ensureModel(): { generatedMs?: number } {
  if (existsSync(join(MODEL_DIR, 'onnx', 'model.onnx'))) return {};
  log(`generating the base-size model in ${MODEL_DIR} ...`);
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/make-fixtures.ts', '--base', MODEL_DIR],
    { stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('generating the base-size model failed');
  return { generatedMs: performance.now() - started };
}

function nodeChild<T>(
  mode: 'engine' | 'variants' | 'op-profile',
  threads: number,
  reps: number,
): T {
  const out = join(tmpdir(), `readscope-bench-${process.pid}-${mode}-${threads}.json`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/bench/nodeChild.ts',
      mode,
      String(threads),
      MODEL_DIR,
      String(EXCERPTS),
      String(reps),
      out,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`node ${mode} run (${threads} threads) failed`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

function versionOf(pkg: string): string {
  const path = join(ROOT, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

function cpuModel(): string {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  return /model name\s*:\s*(.+)/.exec(info)?.[1].trim() ?? 'unknown';
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

async function main() {
  // The typing part uses the base-size model where it exists, and does not generate it.
  const model = [...PARTS].some((p) => p !== 'typing') ? ensureModel() : {};
  const hasModel = existsSync(join(MODEL_DIR, 'onnx', 'model.onnx'));
  const texts = makeExcerpts(EXCERPTS);
  const words = texts.map((t) => t.split(/\s+/).length);
  // Vite serves the project root, and public/ at the site root.
  const modelPath = `/${relative(ROOT, MODEL_DIR).split('\\').join('/')}`.replace(
    /^\/public\//,
    '/',
  );
  const loadStart = load1();
  const engineRows: EngineRow[] = [];
  const probes = new Map<EngineRow, number[]>();
  const variantSets: VariantSet[] = [];
  let chromium = '';

  const add = (
    runtime: Runtime,
    timings: EngineTimings & { info: ModelInfo; loadMs: number },
    peaks: { peakMiB: number; gpuMiB?: number },
    loadAverage: number,
  ) => {
    const { probe, info, ...rest } = timings;
    const row: EngineRow = {
      runtime,
      ...rest,
      backend: info.backend,
      threads: info.threads,
      adapter: info.adapter,
      prunedNodes: info.prunedNodes,
      engineLoadMs: info.loadMs,
      warmupMs: info.warmupMs,
      peakMiB: peaks.peakMiB,
      gpuProcessPeakMiB: peaks.gpuMiB,
      loadAverage,
    };
    engineRows.push(row);
    probes.set(row, probe);
    log(
      `  ${runtime} ${row.threads || ''}: ${fmt(row.excerptsPerS, 2)} excerpts/s, peak ${fmt(row.peakMiB, 0)} MiB`,
    );
  };

  if (PARTS.has('node')) {
    for (const threads of THREADS) {
      log(`node-cpu, ${threads} thread(s) ...`);
      const la = load1();
      const r = nodeChild<EngineTimings & { info: ModelInfo; loadMs: number; peakMiB: number }>(
        'engine',
        threads,
        REPS,
      );
      add('node-cpu', r, { peakMiB: r.peakMiB }, la);
    }
  }

  const needsBrowser =
    PARTS.has('wasm') ||
    PARTS.has('webgpu') ||
    PARTS.has('wasm-variants') ||
    PARTS.has('wasm-builds') ||
    PARTS.has('op-profile') ||
    PARTS.has('typing');
  const buildRows: { build: string; threads: number; passesMs: number[]; medianMs: number }[] = [];
  const opProfiles: OpProfile[] = [];
  const typingRuns: (TypingRun & { loadAverage: number })[] = [];
  const app = needsBrowser ? await startApp() : null;
  try {
    if (app && PARTS.has('wasm')) {
      for (const threads of THREADS) {
        log(`chromium-wasm, ${threads} thread(s) ...`);
        const la = load1();
        const r = await runBrowserEngine(app.url, {
          model: modelPath,
          backend: 'wasm',
          threads,
          texts,
          reps: REPS,
          probeText: probeText(),
        });
        chromium = r.chromium;
        if (!r.run.crossOriginIsolated)
          log('  warning: page not cross-origin isolated, WASM ran on 1 thread');
        add('chromium-wasm', r.run, { peakMiB: r.peaks.rendererMiB }, la);
      }
    }
    if (app && PARTS.has('webgpu')) {
      log('chromium-webgpu, the probe text only ...');
      const la = load1();
      try {
        const r = await runBrowserEngine(app.url, {
          model: modelPath,
          backend: 'webgpu',
          texts: [probeText()],
          reps: 1,
          probeText: probeText(),
        });
        chromium = r.chromium;
        const { rendererMiB, gpuMiB } = r.peaks;
        add('chromium-webgpu', r.run, { peakMiB: rendererMiB, gpuMiB }, la);
      } catch (e) {
        log(`  no WebGPU run: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const threads = Math.max(...THREADS);
    if (PARTS.has('variants')) {
      log(`variants on node-cpu, ${threads} thread(s) ...`);
      const la = load1();
      const n = nodeChild<{ rows: VariantRow[]; peakMiB: number }>(
        'variants',
        threads,
        VARIANT_REPS,
      );
      variantSets.push({ runtime: 'node-cpu', threads, ...n, loadAverage: la });
    }
    if (app && PARTS.has('wasm-variants')) {
      log(`variants on chromium-wasm, ${threads} thread(s) ...`);
      const la = load1();
      const w = await runBrowserVariants(app.url, {
        model: modelPath,
        threads,
        texts,
        reps: VARIANT_REPS,
      });
      chromium = w.chromium;
      variantSets.push({
        runtime: 'chromium-wasm',
        threads,
        rows: w.rows,
        peakMiB: w.peaks.rendererMiB,
        loadAverage: la,
      });
    }
    if (app && PARTS.has('wasm-builds')) {
      // Each build twice, alternating, in a fresh Chromium each time, so drift falls on both.
      for (const threads of THREADS) {
        const passes = { asyncify: [] as number[], plain: [] as number[] };
        for (const build of ['asyncify', 'plain', 'asyncify', 'plain'] as const) {
          log(`chromium-wasm ${build} build, ${threads} thread(s) ...`);
          const r = await runBrowserPass(app.url, {
            kind: 'engine-pass',
            build,
            model: modelPath,
            threads,
            texts,
            reps: REPS,
          });
          passes[build].push(...r.row.passesMs);
        }
        for (const build of ['asyncify', 'plain'] as const)
          buildRows.push({
            build,
            threads,
            passesMs: passes[build],
            medianMs: median(passes[build]),
          });
      }
    }
    if (app && PARTS.has('op-profile')) {
      // The same engine pass under ORT's own profiler on both runtimes: where the time goes.
      for (const threads of THREADS) {
        log(`op profile on node-cpu, ${threads} thread(s) ...`);
        const n = nodeChild<{ rows: VariantRow[] }>('op-profile', threads, REPS).rows[0];
        log(`op profile on chromium-wasm, ${threads} thread(s) ...`);
        const w = await runBrowserPass(app.url, {
          kind: 'op-profile',
          model: modelPath,
          threads,
          texts,
          reps: REPS,
        });
        chromium = w.chromium;
        opProfiles.push(opProfileOf(threads, n, w.row));
      }
    }
    if (app && PARTS.has('typing')) {
      const outDir = join(tmpdir(), `readscope-bench-dist-${process.pid}`);
      log('typing: building the app for production ...');
      const built = await startBuiltApp(outDir);
      try {
        log('typing, production build, roberta-tiny ...');
        const la = load1();
        const run = await runTyping(built.url, {
          build: 'production',
          model: '/models/roberta-tiny',
          reps: REPS,
        });
        chromium = run.chromium ?? chromium;
        typingRuns.push({ ...run, loadAverage: la });
      } finally {
        await built.server.close();
        rmSync(outDir, { recursive: true, force: true });
      }
      if (hasModel) {
        log('typing, development build, the base-size model ...');
        const la = load1();
        const run = await runTyping(app.url, {
          build: 'development',
          model: modelPath,
          reps: REPS,
        });
        chromium = run.chromium ?? chromium;
        typingRuns.push({ ...run, loadAverage: la });
      } else {
        log(`  no ${relative(ROOT, MODEL_DIR)}: the development-build typing run is skipped`);
      }
    }
  } finally {
    await app?.server.close();
  }

  const native = [...engineRows].reverse().find((r) => r.runtime === 'node-cpu');
  if (native) {
    for (const row of engineRows) {
      if (row !== native)
        row.maxAbsDiffVsNative = maxAbsDiff(probes.get(row)!, probes.get(native)!);
    }
  }
  const ratios = THREADS.flatMap((threads) => {
    const n = engineRows.find((r) => r.runtime === 'node-cpu' && r.threads === threads);
    const w = engineRows.find((r) => r.runtime === 'chromium-wasm' && r.threads === threads);
    return n && w
      ? [
          {
            threads,
            nativeMs: n.medianMs,
            wasmMs: w.medianMs,
            wasmOverNative: w.medianMs / n.medianMs,
            nativeCpuMs: n.cpuMsPerPass,
            wasmCpuMs: w.cpuMsPerPass,
            cpuWasmOverNative: w.cpuMsPerPass / n.cpuMsPerPass,
          },
        ]
      : [];
  });

  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: cpuModel(),
      cores: CORES,
      ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
      platform: `${process.platform} ${process.arch}`,
      node: process.version,
      chromium,
      onnxruntimeNode: versionOf('onnxruntime-node'),
      onnxruntimeWeb: versionOf('onnxruntime-web'),
      loadAverage: { start: loadStart, end: load1() },
      gpu: 'none (the WebGPU adapter, if any, is SwiftShader in software)',
    },
    model: hasModel
      ? {
          dir: relative(ROOT, MODEL_DIR),
          onnxMiB: Number(
            (statSync(join(MODEL_DIR, 'onnx', 'model.onnx')).size / 2 ** 20).toFixed(1),
          ),
          ...model,
        }
      : null,
    excerpts: {
      count: EXCERPTS,
      probeText: probeText(),
      words: {
        min: Math.min(...words),
        max: Math.max(...words),
        mean: words.reduce((s, w) => s + w, 0) / words.length,
        target: EXCERPT_WORDS,
      },
    },
    reps: REPS,
    variantReps: VARIANT_REPS,
    engine: engineRows,
    ratios,
    variants: variantSets,
    wasmBuilds: buildRows,
    opProfiles,
    typing: typingRuns,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(renderTables(results.engine, ratios, variantSets));
  for (const r of buildRows)
    console.log(
      `wasm build ${r.build.padEnd(8)} ${r.threads} thread(s): median ${(r.medianMs / 1000).toFixed(2)} s/pass ` +
        `over ${r.passesMs.length} passes`,
    );
  for (const p of opProfiles) console.log(`\n${renderOpProfile(p)}`);
  if (typingRuns.length) console.log(`\n${renderTyping(typingRuns)}`);
  console.log(`\nwrote ${OUT}`);
}

/** The typing table: idle and during-encode figures side by side, with their ratios. */
function renderTyping(runs: (TypingRun & { loadAverage: number })[]): string {
  const pair = (idle: number, during: number) => `${fmt(idle, 0)} → ${fmt(during, 0)}`;
  const ratio = (r: number | null) => (r === null ? '—' : `${fmt(r, 2)}x`);
  return (
    `typing while a long text is encoded: idle → during the encode, medians over ${runs[0].reps.length} reps ` +
    `(${TYPED_KEYS} keys each)\n` +
    formatTable(
      [
        'build, model',
        'tokens',
        'key→frame median ms',
        'ratio',
        'key→frame max ms',
        'ratio',
        'long tasks',
        'long-task max ms',
        'ratio',
        'worst',
        'blocked',
        'until panels s',
        'load avg',
      ],
      runs.map((r) => [
        `${r.build}, ${r.model.split('/').pop()}`,
        String(r.tokens),
        pair(r.idle.keyToFrameMedianMs, r.encoding.keyToFrameMedianMs),
        ratio(r.keyToFrameMedianOverIdle),
        pair(r.idle.keyToFrameMaxMs, r.encoding.keyToFrameMaxMs),
        ratio(r.keyToFrameMaxOverIdle),
        `${fmt(r.idle.longTasks, 0)} → ${fmt(r.encoding.longTasks, 0)}`,
        pair(r.idle.longTaskMaxMs, r.encoding.longTaskMaxMs),
        ratio(r.longTaskMaxOverIdle),
        pair(r.worstIdleLongTaskMs, r.worstLongTaskMs),
        `${fmt(100 * r.encoding.blockedShare, 0)}%`,
        fmt(r.untilPanelsMs / 1000, 1),
        fmt(r.loadAverage, 1),
      ]),
    )
  );
}

/** Kernel time by operator on both runtimes, from one profiled run each. */
interface OpProfile {
  threads: number;
  /** Wall time of the profiled passes (the profiler's own cost included). */
  nativePassMs: number;
  wasmPassMs: number;
  ops: { op: string; nativeMs: number; wasmMs: number; calls: number }[];
}

function opProfileOf(threads: number, native: VariantRow, wasm: VariantRow): OpProfile {
  const nativeBy = new Map((native.ops ?? []).map((o) => [o.op, o]));
  const wasmBy = new Map((wasm.ops ?? []).map((o) => [o.op, o]));
  const names = [...new Set([...nativeBy.keys(), ...wasmBy.keys()])];
  const ms = (m: Map<string, OpTime>, op: string) => m.get(op)?.ms ?? 0;
  return {
    threads,
    nativePassMs: native.medianMs,
    wasmPassMs: wasm.medianMs,
    ops: names
      .map((op) => ({
        op,
        nativeMs: ms(nativeBy, op),
        wasmMs: ms(wasmBy, op),
        calls: wasmBy.get(op)?.calls ?? nativeBy.get(op)?.calls ?? 0,
      }))
      .sort((a, b) => b.wasmMs - a.wasmMs),
  };
}

/** The op table: each operator's kernel time, its WASM / native ratio and its share of the gap. */
function renderOpProfile(p: OpProfile): string {
  const total = (k: 'nativeMs' | 'wasmMs') => p.ops.reduce((s, o) => s + o[k], 0);
  const gap = total('wasmMs') - total('nativeMs');
  const row = (op: string, nativeMs: number, wasmMs: number) => [
    op,
    fmt(nativeMs, 0),
    fmt(wasmMs, 0),
    nativeMs > 0 ? `${fmt(wasmMs / nativeMs, 2)}x` : '—',
    `${fmt((100 * wasmMs) / total('wasmMs'), 1)}%`,
    `${fmt((100 * (wasmMs - nativeMs)) / gap, 1)}%`,
  ];
  return (
    `kernel time by operator, ${p.threads} thread(s), summed over the profiled run ` +
    `(pass: native ${fmt(p.nativePassMs, 0)} ms, wasm ${fmt(p.wasmPassMs, 0)} ms):\n` +
    formatTable(
      ['operator', 'native ms', 'wasm ms', 'wasm / native', 'share of wasm', 'share of gap'],
      [
        ...p.ops
          .filter((o) => o.wasmMs + o.nativeMs >= 1)
          .map((o) => row(o.op, o.nativeMs, o.wasmMs)),
        row('all kernels', total('nativeMs'), total('wasmMs')),
      ],
    )
  );
}

/** The printed tables: engine runs, WASM/native ratios, and the before/after variants. */
function renderTables(
  engine: EngineRow[],
  ratios: {
    threads: number;
    nativeMs: number;
    wasmMs: number;
    wasmOverNative: number;
    cpuWasmOverNative: number;
  }[],
  variants: VariantSet[],
): string {
  const parts: string[] = [];
  if (engine.length)
    parts.push(
      formatTable(
        [
          'runtime',
          'threads',
          'excerpts',
          'excerpts/s',
          'tokens/s',
          'CPU s/pass',
          'first result ms',
          'load s',
          'peak MiB',
          '|Δ| vs native',
          'load avg',
        ],
        engine.map((r) => [
          r.runtime + (r.adapter?.isSoftwareAdapter ? ' (software)' : ''),
          r.runtime === 'chromium-webgpu' ? 'gpu' : String(r.threads),
          String(r.excerpts),
          fmt(r.excerptsPerS, 2),
          fmt(r.tokensPerS, 0),
          fmt(r.cpuMsPerPass / 1000, 1),
          fmt(r.firstResultMs, 0),
          fmt(r.loadMs / 1000, 1),
          fmt(r.peakMiB, 0) + (r.gpuProcessPeakMiB ? ` (+gpu ${fmt(r.gpuProcessPeakMiB, 0)})` : ''),
          r.maxAbsDiffVsNative === undefined ? '—' : r.maxAbsDiffVsNative.toExponential(1),
          fmt(r.loadAverage, 1),
        ]),
      ),
    );
  if (ratios.length) {
    parts.push(
      formatTable(
        ['threads', 'native ms/pass', 'wasm ms/pass', 'wasm / native', 'CPU-time ratio', 'goal'],
        ratios.map((r) => [
          String(r.threads),
          fmt(r.nativeMs, 0),
          fmt(r.wasmMs, 0),
          `${fmt(r.wasmOverNative, 2)}x`,
          `${fmt(r.cpuWasmOverNative, 2)}x`,
          '≤ 1.5x',
        ]),
      ),
    );
  }
  for (const set of variants) {
    const engineRow = (group: string) =>
      set.rows.find((r) => r.group === group && /engine|pruned/.test(r.name));
    parts.push(
      `${set.runtime}, ${set.threads} thread(s), ${set.rows[0]?.excerpts ?? 0} excerpts:\n` +
        formatTable(
          [
            'variant',
            'ms/pass',
            'excerpts/s',
            'padded tokens',
            'fetched MiB',
            'CPU s/pass',
            'session s',
            'time vs engine',
          ],
          set.rows.map((r) => [
            `${r.group}: ${r.name}`,
            fmt(r.medianMs, 0),
            fmt(perSecond(r.excerpts, r.medianMs), 2),
            String(r.paddedTokens),
            fmt(r.fetchedBytes / 2 ** 20, 1),
            fmt((r.cpuMsPerPass ?? NaN) / 1000, 1),
            r.sessionMs === undefined ? '—' : fmt(r.sessionMs / 1000, 1),
            `${fmt(r.medianMs / (engineRow(r.group)?.medianMs ?? r.medianMs), 2)}x`,
          ]),
        ),
    );
  }
  return parts.join('\n\n');
}

await main();
