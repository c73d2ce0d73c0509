/// <reference lib="webworker" />
// The Fit view's corpus map worker: one strategy's pooled vectors at one layer, projected on their
// principal plane, so 3,000 texts × 3,072 features never block the page. A message loop around
// corpusProjectionHandler, nothing else.
import { corpusProjectionHandler } from './corpusProjectionHandler.ts';
import type { CorpusRequest } from './corpusProjectionProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const handle = corpusProjectionHandler((event, transfer = []) => self.postMessage(event, transfer));
self.onmessage = (e: MessageEvent<CorpusRequest>) => handle(e.data);
