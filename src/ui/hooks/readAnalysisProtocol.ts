/** Typed messages between the Read view and its analysis worker (pure maths off the main thread). */
import type { LayerView, TextOverview } from '../../analysis/inspect.ts';
import type { HiddenStates, PoolOptions } from '../../analysis/pooling.ts';

export type AnalysisRequest =
  /** A new text: the worker keeps its states and answers with the overview. */
  | { type: 'text'; version: number; states: HiddenStates; options: PoolOptions }
  /** One layer of the current text: PCA and every strategy. */
  | { type: 'layer'; version: number; layer: number };

export type AnalysisEvent =
  | { status: 'overview'; version: number; overview: TextOverview; ms: number }
  | { status: 'layer'; version: number; view: LayerView; ms: number }
  | { status: 'error'; version: number; message: string };
