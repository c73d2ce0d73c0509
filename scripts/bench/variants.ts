/**
 * Session-level before/after measurements the engine does not expose as switches: the pruned graph
 * against the one that keeps the masked-LM head, dynamic padding against fixed padding to the
 * model's maximum, and pooled outputs against full hidden states pooled on the host. The same code
 * runs on onnxruntime-node and, in a worker, on onnxruntime-web.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { maxTokensOf } from '../../src/engine/engine.ts';
import { planBatches, toFloat32, tokenize, type Tokenized } from '../../src/engine/encode.ts';
import { HIDDEN_STATES, POOLED_OUTPUTS, rewriteForHiddenStates } from '../../src/engine/graph.ts';
import type { ModelConfig } from '../../src/engine/load.ts';
import type { Backend } from '../../src/engine/protocol.ts';
import {
  createSession,
  type OrtModule,
  type OrtSession,
  type OrtTensor,
} from '../../src/engine/session.ts';
import { hostMeanPool, median, padBatch } from './stats.ts';

/** The engine's bound on floats in one batch's stacked hidden states (see engine.ts). */
const STACKED_FLOAT_BUDGET = 32 * 1024 * 1024;

/** One measured variant: a batch pass over the same excerpts. */
export interface VariantRow {
  /** Which comparison it belongs to. */
  group: 'pruning' | 'padding' | 'pooling';
  name: string;
  /** Median wall time of one pass over all excerpts. */
  medianMs: number;
  passesMs: number[];
  /** Median CPU time of the process per pass, where the runtime can read it (Node). */
  cpuMsPerPass: number;
  excerpts: number;
  /** Real (unpadded) tokens in the pass. */
  tokens: number;
  /** Tokens the model actually ran, padding included. */
  paddedTokens: number;
  /** Bytes of the outputs fetched back from the session, per pass. */
  fetchedBytes: number;
  /** Session creation time (graph optimisation included), for the graph variants. */
  sessionMs?: number;
  nodesPruned?: number;
  /** Kernel time per operator type from ORT's profiler, for the op-profile row. */
  ops?: OpTime[];
}

/** Kernel time of one operator type, summed over a profiled run. */
export interface OpTime {
  op: string;
  ms: number;
  calls: number;
}

/** One record of ORT's profiler ("chrome tracing" format). */
export interface ProfileEvent {
  cat?: string;
  name?: string;
  dur?: number; // µs
  args?: { op_name?: string };
}

/** Sums the profiler's per-node kernel times by operator type, largest first. */
export function kernelTimeByOp(events: readonly ProfileEvent[]): OpTime[] {
  const byOp = new Map<string, OpTime>();
  for (const e of events) {
    const op = e.args?.op_name;
    if (e.cat !== 'Node' || !op || !e.name?.endsWith('_kernel_time')) continue;
    const t = byOp.get(op) ?? { op, ms: 0, calls: 0 };
    t.ms += (e.dur ?? 0) / 1000;
    t.calls += 1;
    byOp.set(op, t);
  }
  return [...byOp.values()].sort((a, b) => b.ms - a.ms);
}

export interface VariantInput {
  ort: OrtModule;
  onnx: Uint8Array;
  tokenizer: PreTrainedTokenizer;
  config: ModelConfig;
  backend: Backend;
  threads: number;
  texts: readonly string[];
  reps: number;
  log?: (line: string) => void;
  /** CPU time of the process in ms, where the runtime offers it. */
  cpuNow?: () => number;
}

type Plan = { batches: number[][]; padTo: 'longest' | number };

async function pass(
  input: VariantInput,
  session: OrtSession,
  tokens: readonly Tokenized[],
  plan: Plan,
  fetches: readonly string[],
  hostPool: boolean,
  layers: number,
): Promise<{ ms: number; padded: number; bytes: number }> {
  const { ort, config } = input;
  const padId = config.pad_token_id ?? 1;
  let padded = 0;
  let bytes = 0;
  const started = performance.now();
  for (const batch of plan.batches) {
    const rows = batch.map((i) => tokens[i].ids);
    const seqLen = plan.padTo === 'longest' ? Math.max(...rows.map((r) => r.length)) : plan.padTo;
    const { ids, mask } = padBatch(rows, padId, seqLen);
    const dims = [rows.length, seqLen];
    const feeds: Record<string, OrtTensor> = {};
    for (const name of session.inputNames) {
      if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', ids, dims);
      else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, dims);
      else feeds[name] = new ort.Tensor('int64', new BigInt64Array(ids.length), dims);
    }
    const out = await session.run(feeds, fetches);
    for (const name of fetches) {
      const data = toFloat32(out[name]);
      bytes += data.byteLength;
      if (hostPool && name === HIDDEN_STATES) {
        const dimsOut = { layers, batch: rows.length, seqLen, hidden: config.hidden_size };
        hostMeanPool(
          data,
          dimsOut,
          rows.map((r) => r.length),
        );
      }
    }
    padded += rows.length * seqLen;
  }
  return { ms: performance.now() - started, padded, bytes };
}

interface Case {
  row: Pick<VariantRow, 'group' | 'name' | 'sessionMs' | 'nodesPruned'>;
  session: OrtSession;
  plan: Plan;
  fetches: readonly string[];
  hostPool?: boolean;
}

/**
 * Times every case, interleaved: each round runs every case once, so a shift in the machine's load
 * falls on all of them alike instead of on whichever ran last.
 */
async function measureInterleaved(
  input: VariantInput,
  tokens: readonly Tokenized[],
  layers: number,
  cases: readonly Case[],
): Promise<VariantRow[]> {
  const cpuNow = input.cpuNow ?? (() => NaN);
  const run = (c: Case, plan: Plan) =>
    pass(input, c.session, tokens, plan, c.fetches, c.hostPool ?? false, layers);
  // Warm-up on the first batch: arena growth and kernel selection stay out of the timings.
  for (const c of cases) await run(c, { ...c.plan, batches: c.plan.batches.slice(0, 1) });
  const passes = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  const last = cases.map(() => ({ ms: 0, padded: 0, bytes: 0 }));
  for (let r = 0; r < input.reps; r++) {
    for (const [i, c] of cases.entries()) {
      const cpuStart = cpuNow();
      last[i] = await run(c, c.plan);
      passes[i].push(last[i].ms);
      cpu[i].push(cpuNow() - cpuStart);
    }
  }
  return cases.map((c, i) => {
    const row: VariantRow = {
      ...c.row,
      medianMs: median(passes[i]),
      passesMs: passes[i],
      cpuMsPerPass: median(cpu[i]),
      excerpts: tokens.length,
      tokens: tokens.reduce((s, t) => s + t.ids.length, 0),
      paddedTokens: last[i].padded,
      fetchedBytes: last[i].bytes,
    };
    input.log?.(`  ${row.group}/${row.name}: ${row.medianMs.toFixed(0)} ms`);
    return row;
  });
}

/** The excerpts tokenised and planned into the engine's batches for batch work. */
function prepare(input: VariantInput) {
  const { config, tokenizer, texts } = input;
  const maxTokens = maxTokensOf(config, tokenizer);
  const tokens = texts.map((t) => tokenize(tokenizer, t, maxTokens));
  // The bench's model states its depth; a config without one would size batches for 12 layers.
  const layers = (config.num_hidden_layers ?? 12) + 1;
  const budget = Math.max(
    maxTokens,
    Math.floor(STACKED_FLOAT_BUDGET / (layers * config.hidden_size)),
  );
  // The engine's plan for batch work (embed): sorted by length, at most 16 texts per batch.
  const bucketed = planBatches(
    tokens.map((t) => t.ids.length),
    16,
    budget,
  );
  return { maxTokens, tokens, layers, bucketed };
}

async function openSession(input: VariantInput, keepOutputs: string[], extra?: object) {
  const rewrite = rewriteForHiddenStates(input.onnx, { pooling: true, keepOutputs });
  const started = performance.now();
  const session = await createSession(
    input.ort,
    rewrite.bytes,
    input.backend,
    input.threads,
    extra,
  );
  return { session, sessionMs: performance.now() - started, nodesPruned: rewrite.prunedNodes };
}

/**
 * The engine's own batch pass (pruned graph, length-bucketed batches, pooled mean fetched), timed;
 * optionally with ORT's profiler on: `profile` gives the session options that turn it on for this
 * runtime and reads the events back once the passes are done (the warm-up batch is profiled too,
 * alike on every runtime).
 */
export async function measureEnginePass(
  input: VariantInput,
  profile?: { options: object; read: (session: OrtSession) => Promise<ProfileEvent[]> },
): Promise<VariantRow> {
  const { tokens, layers, bucketed } = prepare(input);
  const { session, sessionMs, nodesPruned } = await openSession(input, [], profile?.options);
  try {
    const [row] = await measureInterleaved(input, tokens, layers, [
      {
        row: { group: 'padding', name: 'engine pass', sessionMs, nodesPruned },
        session,
        plan: { batches: bucketed, padTo: 'longest' },
        fetches: [POOLED_OUTPUTS.mean],
      },
    ]);
    if (profile) row.ops = kernelTimeByOp(await profile.read(session));
    return row;
  } finally {
    await session.release();
  }
}

/** Runs every before/after variant on one runtime, the two graphs' sessions side by side. */
export async function measureVariants(input: VariantInput): Promise<VariantRow[]> {
  const { maxTokens, tokens, layers, bucketed } = prepare(input);
  // The same batch sizes in input order: padding to each batch's longest, without bucketing.
  const inOrder: number[][] = [];
  let next = 0;
  for (const batch of bucketed) {
    inOrder.push(batch.map((_, j) => next + j));
    next += batch.length;
  }
  const mean = [POOLED_OUTPUTS.mean];

  const pruned = await openSession(input, []);
  const full = await openSession(input, ['logits']);
  const prunedGraph = { sessionMs: pruned.sessionMs, nodesPruned: pruned.nodesPruned };
  const fullGraph = { sessionMs: full.sessionMs, nodesPruned: full.nodesPruned };
  const dynamic: Plan = { batches: bucketed, padTo: 'longest' };
  try {
    const [keptLogits, kept, base, fixed, unbucketed, hostPooled] = await measureInterleaved(
      input,
      tokens,
      layers,
      [
        {
          row: { group: 'pruning', name: 'MLM head kept, logits fetched', ...fullGraph },
          session: full.session,
          plan: dynamic,
          fetches: [...mean, 'logits'],
        },
        {
          row: { group: 'pruning', name: 'MLM head kept, logits not fetched', ...fullGraph },
          session: full.session,
          plan: dynamic,
          fetches: mean,
        },
        {
          row: { group: 'pruning', name: 'pruned (MLM head removed)', ...prunedGraph },
          session: pruned.session,
          plan: dynamic,
          fetches: mean,
        },
        {
          row: { group: 'padding', name: `fixed padding to ${maxTokens}` },
          session: pruned.session,
          plan: { batches: bucketed, padTo: maxTokens },
          fetches: mean,
        },
        {
          row: { group: 'padding', name: 'dynamic, input order' },
          session: pruned.session,
          plan: { batches: inOrder, padTo: 'longest' },
          fetches: mean,
        },
        {
          row: { group: 'pooling', name: 'fetch hidden_states, pool on host' },
          session: pruned.session,
          plan: dynamic,
          fetches: [HIDDEN_STATES],
          hostPool: true,
        },
      ],
    );
    return [
      keptLogits,
      kept,
      base,
      fixed,
      unbucketed,
      { ...base, group: 'padding', name: 'dynamic, length-bucketed (engine)' },
      hostPooled,
      { ...base, group: 'pooling', name: 'fetch pooled_mean (engine)' },
    ];
  } finally {
    await pruned.session.release();
    await full.session.release();
  }
}
