/** One sweep worker thread: runs `sweepHandler` on each request (see sweepPool.ts). */
import { parentPort } from 'node:worker_threads';
import { sweepHandler } from '../pipeline/sweepHandler.ts';
import type { SweepRequest } from '../pipeline/sweepProtocol.ts';

const port = parentPort!;
const handle = sweepHandler((event, transfer = []) => port.postMessage(event, transfer));
port.on('message', (request: SweepRequest) => handle(request));
