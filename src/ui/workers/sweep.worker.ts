/// <reference lib="webworker" />
/**
 * The sweep worker: cross-validates a ridge head for each (strategy, layer) cell it is sent, off
 * the page (the quick sweep: ~0.3 CPU-s per cell of a base-size model, wide cells sketched to
 * 512 columns), and later its share of one cell's exact CV (some of the folds) and that cell's
 * full fit. A whole exact CV on one core takes ~0.35 s for 768 features, ~5 s for concat-last-4
 * (BENCHMARKS.md, "Pooling sweep").
 */
import { fitLearned, learnedCvPredictions } from '../../analysis/learned.ts';
import type { LearnedInput, RaggedTokenInput } from '../../analysis/learnedInput.ts';
import { crossValidate } from '../../analysis/crossValidate.ts';
import type { Matrix } from '../../analysis/matrix.ts';
import { fitRidge } from '../../analysis/ridge.ts';
import { sweepCell, type SweepEntry } from '../../analysis/sweep.ts';
import type { LearnedStrategy, PoolOptions } from '../../analysis/pooling.ts';
import type { SweepCellId } from '../../pipeline/fitRun.ts';
import { featuresFrom, layerInput, type PooledVectors } from '../../pipeline/scoring.ts';
import type { SweepEvent, SweepRequest } from './sweepProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

interface Held {
  table: PooledVectors;
  y: Float64Array;
  poolOptions: PoolOptions;
  folds: number;
  seed: number;
  /** Conv1D's reduced tokens, once the page has sent them. */
  tokens?: RaggedTokenInput;
}

function post(event: SweepEvent, transfer: Transferable[] = []) {
  self.postMessage(event, transfer);
}

function matrixOf(held: Held, cell: SweepCellId): Matrix {
  const data = featuresFrom(held.table, cell.strategy, cell.layer, held.poolOptions);
  return { data, rows: held.table.count, cols: data.length / held.table.count };
}

/** What a learned pooling reads: the layers' CLS vectors, or Conv1D's tokens. */
function learnedInput(held: Held, strategy: LearnedStrategy): LearnedInput {
  if (strategy !== 'conv1d') return layerInput(held.table);
  if (!held.tokens) throw new Error('Conv1D needs the texts’ token states; none were sent');
  return held.tokens;
}

function makeHandler() {
  let held: Held | null = null;
  return (request: SweepRequest) => {
    const { requestId } = request;
    switch (request.type) {
      case 'sweep': {
        held = { ...request };
        const entries: SweepEntry[] = [];
        request.cells.forEach((cell, i) => {
          const entry = sweepCell({ ...cell, features: matrixOf(held!, cell) }, request.y, {
            folds: request.folds,
            seed: request.seed,
            sketch: request.sketch,
          });
          entries.push(entry);
          post({ status: 'entry', requestId, entry, done: i + 1, total: request.cells.length });
        });
        return post({ status: 'swept', requestId, entries });
      }
      case 'cv-part': {
        if (!held) throw new Error('no sweep has run yet');
        const x = matrixOf(held, request.cell);
        const split = { folds: held.folds, seed: held.seed, alphas: request.alphas };
        const predictions = crossValidate(x, held.y, split, request.folds);
        return post(
          { status: 'cv-part', requestId, predictions },
          predictions.predictions.map((p) => p.buffer),
        );
      }
      case 'fit': {
        if (!held) throw new Error('no sweep has run yet');
        const model = fitRidge(matrixOf(held, request.cell), held.y, request.alpha);
        return post({ status: 'fitted', requestId, model });
      }
      case 'tokens': {
        if (!held) throw new Error('no sweep has run yet');
        held.tokens = request.tokens;
        return post({ status: 'tokens-held', requestId });
      }
      case 'learned-cv-part': {
        if (!held) throw new Error('no sweep has run yet');
        const { predictions } = learnedCvPredictions(
          request.strategy,
          learnedInput(held, request.strategy),
          held.y,
          { folds: held.folds, seed: held.seed },
          request.config,
          request.folds,
        );
        return post({ status: 'learned-cv-part', requestId, predictions }, [predictions.buffer]);
      }
      case 'learned-fit': {
        if (!held) throw new Error('no sweep has run yet');
        const input = learnedInput(held, request.strategy);
        const fitted = fitLearned(request.strategy, input, held.y, request.config);
        return post({ status: 'learned-fitted', requestId, fitted });
      }
    }
  };
}

const handle = makeHandler();
self.onmessage = (e: MessageEvent<SweepRequest>) => {
  try {
    handle(e.data);
  } catch (err) {
    post({
      status: 'error',
      requestId: e.data.requestId,
      message: err instanceof Error ? err.message : String(err),
    });
  }
};
