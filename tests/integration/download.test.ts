/**
 * Model downloads over real HTTP (the local stand-in for the Hub): a connection that drops is
 * taken up again from the byte it stopped at, and what comes back is the file, byte for byte.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.ts';
import { RESUMES } from '../../src/engine/download.ts';
import { loadModelFiles } from '../../src/engine/load.ts';
import type { FileProgress } from '../../src/engine/protocol.ts';
import { BROKEN_ORG, startHub, type HubServer } from '../support/hub-server.ts';

const ONNX = 'onnx/model.onnx';
let hub: HubServer;
let file: Uint8Array;

beforeAll(async () => {
  hub = await startHub();
  file = new Uint8Array(await readFile(`public/models/roberta-tiny/${ONNX}`));
});
afterAll(async () => {
  await hub?.close();
});

/** Loads a broken model's files; its ONNX requests (range asked for) and the ONNX progress. */
async function load(model: string) {
  const before = hub.requests.length;
  const progress: FileProgress[] = [];
  const files = await loadModelFiles(
    { kind: 'hub', id: `${BROKEN_ORG}/${model}`, host: hub.url },
    'fp32',
    (p) => p.file === ONNX && progress.push(p),
    null,
  ).catch((e: unknown) => e as Error);
  const ranges = hub.requests
    .slice(before)
    .filter((r) => r.path.endsWith(`/${model}/resolve/main/${ONNX}`))
    .map((r) => r.headers.range ?? 'whole');
  return { files, ranges, progress };
}

const half = (n: number) => Math.floor(n / 2);

describe('a download whose connection drops', () => {
  it('is taken up again where it stopped, and the bytes are the file’s', async () => {
    const { files, ranges, progress } = await load('flaky');
    if (files instanceof Error) throw files;
    expect(ranges).toEqual(['whole', `bytes=${half(file.length)}-`]);
    expect(files.onnx).toEqual(file);
    // Progress never goes back: the first half is kept, not fetched again.
    const loaded = progress.map((p) => p.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ file: ONNX, loaded: file.length, total: file.length });
  });

  it('is read again from its first byte where the host ignores ranges', async () => {
    const { files, ranges } = await load('no-range');
    if (files instanceof Error) throw files;
    expect(ranges).toEqual(['whole', `bytes=${half(file.length)}-`]);
    expect(files.onnx).toEqual(file);
  });

  it('is read again from its first byte, not spliced, when the file changed in between', async () => {
    const { files, ranges } = await load('changed');
    if (files instanceof Error) throw files;
    // The ranged answer has another ETag: it is dropped and the new file read whole.
    expect(ranges).toEqual(['whole', `bytes=${half(file.length)}-`, 'whole']);
    expect(files.onnx).toEqual(file.slice().reverse());
  });

  it(`gives up after ${RESUMES} resumes with a message that says how far it got`, async () => {
    const { files, ranges } = await load('drop-connection');
    expect(files).toBeInstanceOf(EngineError);
    const e = files as EngineError;
    expect(e.code).toBe('network');
    // Every answer drops half-way through what it promised: each resume starts further on.
    let at = 0;
    const expected = ['whole'];
    for (let k = 0; k < RESUMES; k++) {
      at += half(file.length - at);
      expected.push(`bytes=${at}-`);
    }
    expect(ranges).toEqual(expected);
    at += half(file.length - at);
    expect(e.message).toContain(`The download of ${ONNX} stopped at ${at} of ${file.length} bytes`);
    expect(e.message).toContain(`after taking it up again ${RESUMES} times`);
  });
});
