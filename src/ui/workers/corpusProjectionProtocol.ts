/** Typed messages between the Fit view's corpus map and its projection worker. */
import type { ParameterFreeStrategy, PoolOptions } from '../../analysis/pooling.ts';
import type { PrincipalPlane } from '../../analysis/principalPlane.ts';
import type { PooledVectors } from '../../pipeline/scoring.ts';

/** One strategy at one layer of a run. */
export interface CorpusCell {
  run: number;
  strategy: ParameterFreeStrategy;
  layer: number;
}

export type CorpusRequest =
  /**
   * A Fit run's feature table, read in place (it sits on shared memory), its pooling options and
   * targets (each axis is turned to rise with them). The worker keeps it for the requests after.
   */
  | {
      type: 'table';
      run: number;
      table: PooledVectors;
      poolOptions: PoolOptions;
      y: Float64Array;
    }
  /** The table's vectors of one strategy at one layer, on their principal plane. */
  | ({ type: 'project' } & CorpusCell);

export type CorpusEvent =
  | ({ status: 'projected'; plane: PrincipalPlane; dim: number; ms: number } & CorpusCell)
  | ({ status: 'error'; message: string } & CorpusCell);
