/**
 * Which dtype files a source holds: a folder on disk, a folder served over HTTP, and a Hub model
 * listed through the API of the local stand-in Hub, each against the folder's real contents.
 */
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DTYPES, DTYPE_INFO } from '../../src/engine/dtypes.ts';
import { listDtypeFiles } from '../../src/engine/listing.ts';
import { folderSource } from '../../src/engine/node.ts';
import { HUB_ORG, startHub, type HubServer } from '../support/hub-server.ts';
import { REAL_STACK_DIR } from '../support/realStack.ts';

const NAME = 'bert-fe-ts14';
const DIR = join(REAL_STACK_DIR, NAME);

/** What the folder holds, read straight from the disk. */
function onDisk() {
  const files = readdirSync(join(DIR, 'onnx')).map((f) => `onnx/${f}`);
  return DTYPES.filter((d) => files.includes(DTYPE_INFO[d].file)).map((d) => ({
    dtype: d,
    bytes: statSync(join(DIR, DTYPE_INFO[d].file)).size,
  }));
}

let hub: HubServer;
let server: Server;
let served: string;
beforeAll(async () => {
  hub = await startHub();
  // A folder served as a dev server serves one: its index page for a missing file.
  server = createServer((req, res) => {
    const file = join(REAL_STACK_DIR, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    try {
      const size = statSync(file).size;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
    } catch {
      res.writeHead(200, { 'Content-Type': 'text/html' });
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  served = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${NAME}`;
});
afterAll(async () => {
  await hub?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('listDtypeFiles', () => {
  it('lists a folder on disk', async () => {
    const want = onDisk();
    expect(want.map((f) => f.dtype)).toEqual(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']);
    expect(await listDtypeFiles(await folderSource(DIR))).toEqual(want);
  });

  it('lists a served folder by HEAD requests, not taking an index page for a file', async () => {
    expect(await listDtypeFiles({ kind: 'served', path: served })).toEqual(onDisk());
  });

  it('lists a Hub model through the Hub API, with each file’s size', async () => {
    const files = await listDtypeFiles({ kind: 'hub', id: `${HUB_ORG}/${NAME}`, host: hub.url });
    expect(files).toEqual(onDisk());
    expect(hub.requests.map((r) => r.path)).toContain(
      `/api/models/${HUB_ORG}/${NAME}/tree/main/onnx`,
    );
  });

  it('says it cannot tell (null) where the Hub API does not answer', async () => {
    expect(await listDtypeFiles({ kind: 'hub', id: 'nobody/none', host: hub.url })).toBeNull();
  });
});
