/** The fake Hub (hub-server.ts) for the tests of one file. */
import { afterAll, beforeAll } from 'vitest';
import { startHub, type HubServer } from './hub-server.ts';

/**
 * The fake Hub for one test file: started before its tests, closed after them. Read its `url` and
 * `requests` inside hooks and tests, once it has started.
 */
export function serveHub(): HubServer {
  const hub = {} as HubServer;
  beforeAll(async () => {
    Object.assign(hub, await startHub());
  });
  afterAll(async () => {
    await hub.close?.();
  });
  return hub;
}
