import { useEffect, useMemo, useState } from 'react';
import { headFits, type Head } from '../../../analysis/head.ts';
import { poolerSupport } from '../../../analysis/pooling.ts';
import type { HeadRecord } from '../../../data/store.ts';
import type { BatchPooling, ModelInfo } from '../../../engine/protocol.ts';
import type { useEngine } from '../../hooks/useEngine.ts';
import {
  batchPoolingFor,
  loadedModel,
  predictBatch,
  tokenRequestFor,
} from '../../../pipeline/scoring.ts';
import type { HeadReadings, PoolerState } from './PoolingPanel.tsx';

type Embed = ReturnType<typeof useEngine>['actions']['embed'];

interface Done {
  info: ModelInfo;
  text: string;
  heads: readonly HeadRecord<Head>[];
  readings: HeadReadings;
  pooler: Float32Array | null;
  /** A fine-tuned regression export's score, over every window of the text. */
  regression: number | null;
  /** Windows the text was read in: more than one when it is longer than the model. */
  windows: number;
}

/**
 * Every saved head that fits the loaded model, applied to one text, and the trained pooler's
 * output where there is one: one `embed` call per settled text in the engine's worker.
 */
export function useHeadReadings(
  embed: Embed,
  info: ModelInfo | null,
  text: string,
  heads: readonly HeadRecord<Head>[],
  activeId: string | null,
): {
  readings: HeadReadings;
  pooler: PoolerState;
  fitting: HeadRecord<Head>[];
  regression: { score: number; windows: number } | null;
  /** Windows the current text was read in by the batch path (1 when it fits the model). */
  windows: number;
} {
  const fitting = useMemo(
    () =>
      info
        ? heads.filter((h) => headFits(h.head, loadedModel(info)).ok && h.head.layer < info.layers)
        : [],
    [heads, info],
  );
  const support = info ? poolerSupport(info.modelType) : null;
  const wantsPooler = !!info && !!support?.trained && info.hasTrainedPooler;
  const [done, setDone] = useState<Done | null>(null);

  useEffect(() => {
    if (!info || !text.trim() || (!fitting.length && !wantsPooler && !info.isRegression)) return;
    let live = true;
    const pooling = new Set<BatchPooling>(fitting.flatMap((h) => batchPoolingFor(h.head)));
    if (wantsPooler) pooling.add('pooler');
    const tokens = tokenRequestFor(fitting.map((h) => h.head));
    embed([text], [...pooling], undefined, undefined, tokens)
      .then((batch) => {
        if (!live) return;
        const readings = fitting.map((h) => ({
          id: h.id,
          name: h.name,
          strategy: h.head.strategy,
          layer: h.head.layer,
          score: predictBatch(h.head, batch)[0],
          cvRmse: h.head.cvRmse,
          isActive: false,
        }));
        setDone({
          info,
          text,
          heads,
          readings: fitting.length ? { kind: 'ready', readings } : { kind: 'none' },
          pooler: batch.pooled.pooler ?? null,
          regression: batch.scores ? batch.scores[0] : null,
          windows: batch.windows[0],
        });
      })
      .catch((e: unknown) => {
        if (live)
          setDone({
            info,
            text,
            heads,
            readings: { kind: 'error', message: e instanceof Error ? e.message : String(e) },
            pooler: null,
            regression: null,
            windows: 1,
          });
      });
    return () => {
      live = false;
    };
  }, [embed, info, text, fitting, heads, wantsPooler]);

  const current = done && done.info === info ? done : null;
  // Memoised so a keystroke (a new render with the same readings) re-renders no panel.
  const readings = useMemo<HeadReadings>(() => {
    if (!fitting.length) return { kind: 'none' };
    if (!current) return { kind: 'computing' };
    const r = current.readings;
    return r.kind === 'ready'
      ? { kind: 'ready', readings: r.readings.map((x) => ({ ...x, isActive: x.id === activeId })) }
      : r;
  }, [fitting, current, activeId]);
  const poolerVector = current?.pooler ?? null;
  const pooler = useMemo<PoolerState>(
    () =>
      support && !support.trained
        ? { kind: 'untrained', reason: support.reason }
        : !wantsPooler
          ? { kind: 'untrained', reason: 'This export has no trained pooler output.' }
          : { kind: 'trained', vector: poolerVector },
    // `support` is derived from info.modelType; the reason string changes only with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [info?.modelType, wantsPooler, poolerVector],
  );
  const regressionScore = current?.text === text ? current.regression : null;
  const windows = current?.windows ?? 1;
  const regression = useMemo(
    () => (regressionScore === null ? null : { score: regressionScore, windows }),
    [regressionScore, windows],
  );
  return { readings, pooler, fitting, regression, windows: current?.text === text ? windows : 1 };
}
