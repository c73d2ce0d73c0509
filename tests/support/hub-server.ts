/**
 * A local stand-in for the Hugging Face Hub on 127.0.0.1: serves the committed fixtures (bundled
 * ones and the real-stack folders of tests/fixtures/hf) in the Hub's
 * `<org>/<name>/resolve/<revision>/<file>` layout, with an ETag and `bytes=N-` range requests as
 * the Hub answers them, the API's listing of a model's onnx/ folder
 * (`/api/models/<org>/<name>/tree/<revision>/onnx`), plus broken models for fault tests. Every request is recorded
 * so tests can check what the app asked for.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DataType, encodeModel } from '../../src/engine/onnx.ts';

export const HUB_ORG = 'readscope-test';
export const BROKEN_ORG = 'broken';

/** How each broken model misbehaves; every other file is served from roberta-tiny. */
export const BROKEN_MODELS = {
  'missing-onnx': 'onnx/model.onnx answers 404',
  'html-config': 'config.json is an HTML page',
  truncated: 'onnx/model.onnx is cut to 60% (a complete response of a truncated file)',
  'not-encoder': 'onnx/model.onnx is a one-layer MLP',
  'drop-connection':
    'onnx/model.onnx closes the connection half-way through every answer, ranged ones too',
  flaky: 'onnx/model.onnx closes the connection half-way the first time, then serves normally',
  outage:
    'onnx/model.onnx closes the connection half-way through its first four answers (a load and its three resumes), then serves normally',
  'no-range':
    'onnx/model.onnx closes the connection half-way the first time, then ignores ranges (200, whole)',
  changed:
    'onnx/model.onnx closes the connection half-way the first time, then serves another file of the same length (the bytes reversed, another ETag)',
} as const;

export interface HubServer {
  url: string;
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

function mlpModel(): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: 14 }],
    producerName: 'readscope-test',
    producerVersion: '0',
    graph: {
      name: 'mlp',
      nodes: [
        { name: '/fc/MatMul', opType: 'MatMul', inputs: ['input_ids_f', 'w'], outputs: ['y'] },
      ],
      initializers: [
        { name: 'w', dataType: DataType.FLOAT, dims: [4, 2], data: new Float32Array(8) },
      ],
      inputs: [{ name: 'input_ids_f', elemType: DataType.FLOAT, shape: [1, 4] }],
      outputs: [{ name: 'y', elemType: DataType.FLOAT, shape: [1, 2] }],
    },
  });
}

async function serveBroken(
  req: IncomingMessage,
  name: string,
  file: string,
  res: ServerResponse,
  served: Map<string, number>,
): Promise<boolean> {
  const model = name as keyof typeof BROKEN_MODELS;
  if (model === 'html-config' && file === 'config.json') {
    res.writeHead(200, { ...CORS, 'Content-Type': 'text/html' });
    res.end('<!doctype html><html><body><h1>Sign in to continue</h1></body></html>');
    return true;
  }
  if (file !== 'onnx/model.onnx') return false;
  if (model === 'missing-onnx') {
    res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' });
    res.end('Entry not found');
    return true;
  }
  if (model === 'not-encoder') {
    const body = mlpModel();
    res.writeHead(200, {
      ...CORS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(body);
    return true;
  }
  const full = await readFile(join('public/models/roberta-tiny', file));
  if (model === 'truncated') {
    const body = full.subarray(0, Math.floor(full.length * 0.6));
    res.writeHead(200, {
      ...CORS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(body);
    return true;
  }
  const times = (served.get(model) ?? 0) + 1;
  served.set(model, times);
  const later = times > 1;
  if (
    model === 'drop-connection' ||
    (model === 'outage' && times <= 4) ||
    (!later && model in DROPS_FIRST)
  ) {
    sendFile(req, res, full, { drop: true });
    return true;
  }
  if (model === 'no-range') sendFile({ headers: {} }, res, full);
  else if (model === 'changed') sendFile(req, res, full.slice().reverse());
  else return false;
  return true;
}

/** The models whose first answer for their ONNX file drops half-way. */
const DROPS_FIRST = { flaky: 1, 'no-range': 1, changed: 1 };

/**
 * Answers with a file as the Hub does: its ETag, and a 206 for a `bytes=N-` range. `drop` closes
 * the connection after half of what the answer promised.
 */
function sendFile(
  req: Pick<IncomingMessage, 'headers'>,
  res: ServerResponse,
  body: Uint8Array,
  options: { type?: string; head?: boolean; drop?: boolean } = {},
) {
  // `bytes=N-` or `bytes=N-M`, as the Hub honours them (Chromium's cache may name the end).
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const from = Number(range?.[1] ?? 0);
  const to = range?.[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
  const ranged = !!range && from < body.length && from <= to && (from > 0 || to < body.length - 1);
  const part = ranged ? body.subarray(from, to + 1) : body;
  res.writeHead(ranged ? 206 : 200, {
    ...CORS,
    'Content-Type': options.type ?? 'application/octet-stream',
    'Content-Length': part.length,
    'Accept-Ranges': 'bytes',
    ETag: `"${createHash('sha1').update(body).digest('hex')}"`,
    ...(ranged ? { 'Content-Range': `bytes ${from}-${to}/${body.length}` } : {}),
  });
  if (options.head) res.end();
  else if (options.drop)
    // The reset comes a moment after the half has gone out: at once, it can make the browser
    // drop bytes it has received but not read, and the resume tests then see another cut.
    res.write(part.subarray(0, Math.floor(part.length / 2)), () =>
      setTimeout(() => res.socket?.destroy(), 50),
    );
  else res.end(part);
}

/** A model of the fake Hub's own org: a bundled fixture, else a real-stack folder. */
function folderOf(name: string): string {
  const bundled = join('public/models', name);
  return existsSync(bundled) ? bundled : join('tests/fixtures/hf', name);
}

/** The Hub API's listing of a model's onnx/ folder: path, size and LFS size of each file. */
async function sendTree(res: ServerResponse, name: string) {
  const dir = join(folderOf(name), 'onnx');
  const entries = await Promise.all(
    (await readdir(dir)).map(async (file) => {
      const { size } = await stat(join(dir, file));
      return { type: 'file', path: `onnx/${file}`, size, lfs: { size } };
    }),
  );
  const body = JSON.stringify(entries);
  res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' });
  res.end(body);
}

/** Starts the fake Hub on a free loopback port. */
export async function startHub(): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const served = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Access-Control-Allow-Headers': '*' });
      res.end();
      return;
    }
    const m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const notFound = () => {
      res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' });
      res.end('Entry not found');
    };
    const tree = /^\/api\/models\/([^/]+)\/([^/.][^/]*)\/tree\/[^/]+\/onnx$/.exec(path);
    if (tree) {
      if (tree[1] !== HUB_ORG) return notFound();
      void sendTree(res, tree[2]).catch(notFound);
      return;
    }
    if (!m || (m[1] !== HUB_ORG && m[1] !== BROKEN_ORG) || m[4].includes('..')) return notFound();
    const [, org, name, , file] = m;
    void (async () => {
      if (org === BROKEN_ORG && (await serveBroken(req, name, file, res, served))) return;
      const folder = org === BROKEN_ORG ? 'public/models/roberta-tiny' : folderOf(name);
      try {
        const body = await readFile(join(folder, file));
        const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
        sendFile(req, res, body, { type, head: req.method === 'HEAD' });
      } catch {
        notFound();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
