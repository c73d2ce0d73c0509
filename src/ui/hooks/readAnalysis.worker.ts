/// <reference lib="webworker" />
// The Read view's analysis worker: PCA, pooling and similarities of one text, so a 512-token ×
// 13-layer × 768 text never blocks typing. A message loop around analysis/inspect, nothing else.
import { layerView, textOverview } from '../../analysis/inspect.ts';
import type { HiddenStates, PoolOptions } from '../../analysis/pooling.ts';
import type { AnalysisEvent, AnalysisRequest } from './readAnalysisProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

function serve() {
  let current: { version: number; states: HiddenStates; options: PoolOptions } | null = null;
  const send = (event: AnalysisEvent, transfer: Transferable[] = []) =>
    self.postMessage(event, transfer);

  self.onmessage = (e: MessageEvent<AnalysisRequest>) => {
    const request = e.data;
    const started = performance.now();
    try {
      switch (request.type) {
        case 'text': {
          current = { version: request.version, states: request.states, options: request.options };
          const overview = textOverview(request.states);
          send({ status: 'overview', version: request.version, overview, ms: ms(started) }, [
            overview.norms.buffer,
            overview.cosineToFinal.buffer,
            overview.similarity.buffer,
          ]);
          return;
        }
        case 'layer': {
          if (!current || current.version !== request.version) return; // superseded
          const view = layerView(current.states, request.layer, current.options);
          send({ status: 'layer', version: request.version, view, ms: ms(started) }, [
            view.pca.coords.buffer,
            view.cosines.buffer,
          ]);
          return;
        }
      }
    } catch (err) {
      send({ status: 'error', version: request.version, message: String(err) });
    }
  };
}

const ms = (since: number) => performance.now() - since;

serve();
