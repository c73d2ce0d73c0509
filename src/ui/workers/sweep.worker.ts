/// <reference lib="webworker" />
/** A sweep worker in the tab: runs `sweepHandler` (pipeline/sweepHandler.ts) on each request. */
import { sweepHandler } from '../../pipeline/sweepHandler.ts';
import type { SweepRequest } from '../../pipeline/sweepProtocol.ts';

declare const self: DedicatedWorkerGlobalScope;

const handle = sweepHandler((event, transfer = []) => self.postMessage(event, transfer));
self.onmessage = (e: MessageEvent<SweepRequest>) => handle(e.data);
