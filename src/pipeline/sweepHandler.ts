/**
 * What a sweep worker does with each request (sweepProtocol.ts), wherever it runs: a Web Worker in
 * the tab, a worker thread in Node, or in place on one thread. It cross-validates a ridge head
 * for each (strategy, layer) cell it is sent (the quick sweep: ~0.3 CPU-s per cell of a base-size
 * model, wide cells sketched to 512 columns), keeps the table, and later runs its share of one
 * cell's exact CV (some of the folds), that cell's full fit, and the learned poolings' folds and
 * fits on the same table. A whole exact CV on one core takes ~0.35 s for 768 features, ~5 s for
 * concat-last-4 (BENCHMARKS.md, "Pooling sweep").
 */
import { crossValidate } from '../analysis/crossValidate.ts';
import { fitLearned, learnedCvPredictions } from '../analysis/learned.ts';
import type { LearnedInput, RaggedTokenInput } from '../analysis/learnedInput.ts';
import type { Matrix } from '../analysis/matrix.ts';
import type { LearnedStrategy, PoolOptions } from '../analysis/pooling.ts';
import { fitRidge } from '../analysis/ridge.ts';
import { sweepCell, type SweepEntry } from '../analysis/sweep.ts';
import type { SweepCellId } from './fitRun.ts';
import { featuresFrom, layerInput, type PooledVectors } from './scoring.ts';
import type { SweepEvent, SweepRequest } from './sweepProtocol.ts';

/** Sends an event back to the driver; `transfer` lists the buffers it may move rather than copy. */
export type PostEvent = (event: SweepEvent, transfer?: ArrayBuffer[]) => void;

/** What the worker keeps from the sweep request for the requests that follow. */
interface Held {
  table: PooledVectors;
  y: Float64Array;
  poolOptions: PoolOptions;
  folds: number;
  seed: number;
  /** Conv1D's reduced tokens, once the driver has sent them. */
  tokens?: RaggedTokenInput;
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

/**
 * A worker's request handler: answers each request through `post`, a failure as an 'error' event
 * for that request.
 */
export function sweepHandler(post: PostEvent): (request: SweepRequest) => void {
  let held: Held | null = null;
  const heldTable = () => {
    if (!held) throw new Error('no sweep has run yet');
    return held;
  };
  const answer = (request: SweepRequest): void => {
    const { requestId } = request;
    switch (request.type) {
      case 'sweep': {
        const table: Held = { ...request };
        held = table;
        const entries: SweepEntry[] = [];
        request.cells.forEach((cell, i) => {
          const entry = sweepCell({ ...cell, features: matrixOf(table, cell) }, request.y, {
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
        const h = heldTable();
        const split = { folds: h.folds, seed: h.seed, alphas: request.alphas };
        const predictions = crossValidate(matrixOf(h, request.cell), h.y, split, request.folds);
        return post(
          { status: 'cv-part', requestId, predictions },
          predictions.predictions.map((p) => p.buffer as ArrayBuffer),
        );
      }
      case 'fit': {
        const h = heldTable();
        const model = fitRidge(matrixOf(h, request.cell), h.y, request.alpha);
        return post({ status: 'fitted', requestId, model });
      }
      case 'tokens': {
        heldTable().tokens = request.tokens;
        return post({ status: 'tokens-held', requestId });
      }
      case 'learned-cv-part': {
        const h = heldTable();
        const { predictions } = learnedCvPredictions(
          request.strategy,
          learnedInput(h, request.strategy),
          h.y,
          { folds: h.folds, seed: h.seed },
          request.config,
          request.folds,
        );
        return post({ status: 'learned-cv-part', requestId, predictions }, [
          predictions.buffer as ArrayBuffer,
        ]);
      }
      case 'learned-fit': {
        const h = heldTable();
        const input = learnedInput(h, request.strategy);
        const fitted = fitLearned(request.strategy, input, h.y, request.config);
        return post({ status: 'learned-fitted', requestId, fitted });
      }
    }
  };
  return (request) => {
    try {
      answer(request);
    } catch (err) {
      post({
        status: 'error',
        requestId: request.requestId,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  };
}
