/**
 * What the corpus map's worker does with each request, apart from the worker: keep the run's
 * table, and answer each projection request with the strategy's vectors at that layer on their
 * principal plane. The plane's arrays are transferred with the answer.
 */
import { principalPlane } from '../../analysis/principalPlane.ts';
import { featuresFrom } from '../../pipeline/scoring.ts';
import type { CorpusEvent, CorpusRequest } from './corpusProjectionProtocol.ts';

/** Sends an event to the page, moving `transfer`'s buffers. */
export type CorpusSend = (event: CorpusEvent, transfer?: Transferable[]) => void;

/** A request handler holding one run's table (the latest sent). */
export function corpusProjectionHandler(send: CorpusSend): (request: CorpusRequest) => void {
  let held: Extract<CorpusRequest, { type: 'table' }> | null = null;
  return (request) => {
    if (request.type === 'table') {
      held = request;
      return;
    }
    const { run, strategy, layer } = request;
    if (!held || held.run !== run) return; // a newer run's table replaced it
    const started = performance.now();
    try {
      const { table, poolOptions, y } = held;
      const features = featuresFrom(table, strategy, layer, poolOptions); // [count, dim]
      const dim = features.length / table.count;
      const plane = principalPlane(features, table.count, dim, { orientBy: y });
      const ms = performance.now() - started;
      send({ status: 'projected', run, strategy, layer, plane, dim, ms }, [
        plane.coords.buffer,
        plane.axes.buffer,
        plane.mean.buffer,
      ]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      send({ status: 'error', run, strategy, layer, message });
    }
  };
}
