/// <reference lib="webworker" />
/**
 * The sweep worker: cross-validates a ridge head for each (strategy, layer) cell it is sent, off
 * the page (the quick sweep: ~1 s per cell of a base-size model, wide cells sketched to 512
 * columns), and later fits one cell exactly: its CV, out-of-fold predictions and full fit (~3 s
 * for 768 features, ~2 min for concat-last-4's 3,072).
 */
import {
  cvPredictions,
  fitRidge,
  scoreCv,
  sweepCell,
  type Matrix,
  type SweepEntry,
} from '../../analysis/ridge.ts';
import type { PoolOptions } from '../../analysis/pooling.ts';
import type { SweepCellId } from '../fitRun.ts';
import { featuresFrom, type PooledVectors } from '../scoring.ts';
import type { SweepEvent, SweepRequest } from './sweepProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

interface Held {
  table: PooledVectors;
  y: Float64Array;
  poolOptions: PoolOptions;
  folds: number;
  seed: number;
}

function post(event: SweepEvent, transfer: Transferable[] = []) {
  self.postMessage(event, transfer);
}

function matrixOf(held: Held, cell: SweepCellId): Matrix {
  const data = featuresFrom(held.table, cell.strategy, cell.layer, held.poolOptions);
  return { data, rows: held.table.count, cols: data.length / held.table.count };
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
      case 'inspect': {
        if (!held) throw new Error('no sweep has run yet');
        const x = matrixOf(held, request.cell);
        // One exact CV gives the figure and, at its best α, the out-of-fold predictions; an exact
        // sweep's entry fixes α, so only that α is solved for.
        const alphas = request.exactCv ? [request.exactCv.alpha] : undefined;
        const predictions = cvPredictions(x, held.y, {
          folds: held.folds,
          seed: held.seed,
          alphas,
        });
        const cv = request.exactCv ?? scoreCv(predictions, held.y);
        const oof = predictions.predictions[predictions.alphas.indexOf(cv.alpha)];
        const model = fitRidge(x, held.y, cv.alpha);
        return post({ status: 'inspected', requestId, cv, outOfFold: oof, model }, [oof.buffer]);
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
