/**
 * The benchmark's op profile on a real onnxruntime-node session (ORT's own profiler, the tiny
 * RoBERTa fixture): what `kernelTimeByOp` sums must be every node's kernel time and nothing else.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { nodeProfile } from '../../scripts/bench/nodeProfile.ts';
import { measureEnginePass, type ProfileEvent } from '../../scripts/bench/variants.ts';
import { loadModelFiles } from '../../src/engine/load.ts';
import { folderSource } from '../../src/engine/node.ts';
import type { OrtModule, OrtSession } from '../../src/engine/session.ts';

describe('op profile', () => {
  it('sums each operator’s kernel time from a real profiled engine pass', async () => {
    const files = await loadModelFiles(
      await folderSource('public/models/roberta-tiny'),
      'fp32',
      () => {},
    );
    const profile = nodeProfile();
    let events: ProfileEvent[] = [];
    try {
      const row = await measureEnginePass(
        {
          ort: ort as unknown as OrtModule,
          onnx: files.onnx,
          tokenizer: files.tokenizer,
          config: files.config,
          backend: 'cpu',
          threads: 1,
          texts: ['A short text.', 'Another, somewhat longer text to read with the first one.'],
          reps: 2,
        },
        {
          options: profile.options,
          read: async (session: OrtSession) => (events = await profile.read(session)),
        },
      );
      // The profile also holds session events (loading, initialisation) that are not kernels.
      const kernels = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'));
      expect(events.length).toBeGreaterThan(kernels.length);
      const ops = row.ops!;
      // Each operator's time and calls, summed here from the raw kernel events.
      const byOp = new Map<string, { ms: number; calls: number }>();
      for (const e of kernels) {
        const op = e.args?.op_name ?? '';
        const t = byOp.get(op) ?? { ms: 0, calls: 0 };
        byOp.set(op, { ms: t.ms + (e.dur ?? 0) / 1000, calls: t.calls + 1 });
      }
      expect(ops.map((o) => o.op).sort()).toEqual([...byOp.keys()].sort());
      for (const o of ops) {
        expect(o.calls).toBe(byOp.get(o.op)!.calls);
        expect(o.ms).toBeCloseTo(byOp.get(o.op)!.ms, 6);
      }
      expect(ops.map((o) => o.op)).toContain('MatMul');
      // Every kernel event is counted once, under its own operator.
      expect(ops.reduce((s, o) => s + o.calls, 0)).toBe(kernels.length);
      const total = kernels.reduce((s, e) => s + (e.dur ?? 0), 0) / 1000;
      expect(ops.reduce((s, o) => s + o.ms, 0)).toBeCloseTo(total, 6);
      for (const o of ops)
        expect(o.calls).toBe(kernels.filter((e) => e.args?.op_name === o.op).length);
      // Largest first.
      for (let i = 1; i < ops.length; i++) expect(ops[i - 1].ms).toBeGreaterThanOrEqual(ops[i].ms);
    } finally {
      profile.dispose();
    }
  });
});
