/**
 * The browser store against Chromium's real IndexedDB: the module is loaded into the page from
 * the Vite dev server and driven through page.evaluate.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { openPage, serveAppInChromium } from '../support/browser.ts';

type StoreModule = typeof import('../../src/data/store.ts');
type HashModule = typeof import('../../src/data/hash.ts');
type FitModule = typeof import('../../src/pipeline/fitRun.ts');
type ClientModule = typeof import('../../src/engine/client.ts');

/** Set up in every page by an init script: vitest rewrites `import()` written in this file. */
type WithImport = { importModule(path: string): Promise<unknown> };
const IMPORT_SCRIPT = 'self.importModule = (path) => import(path)';

const STORE = '/src/data/store.ts';
const HASH = '/src/data/hash.ts';
const KEY = { fileHash: 'f'.repeat(64), modelId: 'tiny-roberta', headId: 'ridge-l6-mean' };
const ROW_IDS = Array.from({ length: 20 }, (_, i) => `row${i}`);

const env = serveAppInChromium();
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  // The first import of a module with a new dependency (idb) can make Vite re-optimise and
  // reload; do it once here so the tests start from a settled server.
  const warmContext = await env.browser.newContext();
  await warmContext.addInitScript(IMPORT_SCRIPT);
  const warm = await openPage(warmContext, env.url);
  await warm.evaluate((p) => (self as unknown as WithImport).importModule(p).catch(() => 0), STORE);
  await warm.reload();
  await warm.evaluate((p) => (self as unknown as WithImport).importModule(p).then(() => 0), STORE);
  await warmContext.close();
});
beforeEach(async () => {
  context = await env.browser.newContext(); // fresh, empty storage for each test
  await context.addInitScript(IMPORT_SCRIPT);
  page = await openPage(context, env.url);
});
afterEach(async () => {
  await context?.close();
});

it('caches features as Float32Arrays and stores only the view it was given', async () => {
  const out = await page.evaluate(async (path) => {
    const m = (await (self as unknown as WithImport).importModule(path)) as StoreModule;
    const db = await m.openStore();
    const big = Float32Array.from({ length: 1000 }, (_, i) => i / 7);
    const key = { modelId: 'tiny-roberta', dtype: 'fp32', textHash: 'abc' };
    await m.putFeatures(db, { ...key, shape: [2, 3], data: big.subarray(6, 12) });
    const got = await m.getFeatures(db, key);
    const missing = await m.getFeatures(db, { ...key, dtype: 'q8' });
    await m.clearFeatures(db);
    const cleared = await m.getFeatures(db, key);
    return {
      isF32: got?.data instanceof Float32Array,
      values: Array.from(got?.data ?? []),
      bufferBytes: got?.data.buffer.byteLength,
      shape: got?.shape,
      expected: Array.from(big.subarray(6, 12)),
      missing: missing === undefined,
      cleared: cleared === undefined,
    };
  }, STORE);
  expect(out.isF32).toBe(true);
  expect(out.values).toEqual(out.expected);
  expect(out.bufferBytes).toBe(6 * 4);
  expect(out.shape).toEqual([2, 3]);
  expect(out.missing).toBe(true);
  expect(out.cleared).toBe(true);
});

it('saves, lists and deletes heads', async () => {
  const out = await page.evaluate(async (path) => {
    const m = (await (self as unknown as WithImport).importModule(path)) as StoreModule;
    const db = await m.openStore();
    await m.saveHead(db, { id: 'h1', name: 'Ridge L6', head: { weights: [0.5, -1], bias: 0.1 } });
    // Heads list newest first by their save time: the second is saved once the clock has moved
    // past the first's stamp, so the order is decided by the order of the saves.
    const first = (await m.getHead(db, 'h1'))!.savedAt;
    while (Date.now() <= first) await Promise.resolve();
    await m.saveHead(db, { id: 'h2', name: 'Attention', head: { kind: 'attention' } });
    const listed = (await m.listHeads(db)).map((h) => h.id);
    const h1 = await m.getHead<{ weights: number[] }>(db, 'h1');
    await m.deleteHead(db, 'h2');
    return { listed, h1: h1?.head, after: (await m.listHeads(db)).map((h) => h.id) };
  }, STORE);
  expect(out.listed).toEqual(['h2', 'h1']);
  expect(out.h1).toEqual({ weights: [0.5, -1], bias: 0.1 });
  expect(out.after).toEqual(['h1']);
});

it('resumes a batch after a reload with no row lost or recorded twice', async () => {
  // Score two chunks of five, then reload while a third chunk is being written.
  await page.evaluate(
    async ({ path, key, ids }) => {
      const m = (await (self as unknown as WithImport).importModule(path)) as StoreModule;
      const db = await m.openStore();
      await m.beginBatch(db, key, { fileName: 'test.csv', totalRows: ids.length });
      for (const chunk of [ids.slice(0, 5), ids.slice(5, 10)]) {
        await m.saveBatchChunk(
          db,
          key,
          chunk.map((id) => ({ id, result: { target: id.length } })),
        );
      }
      void m.saveBatchChunk(
        db,
        key,
        ids.slice(10, 15).map((id) => ({ id, result: { target: id.length } })),
      );
    },
    { path: STORE, key: KEY, ids: ROW_IDS },
  );
  await page.reload();

  const out = await page.evaluate(
    async ({ path, key, ids }) => {
      const m = (await (self as unknown as WithImport).importModule(path)) as StoreModule;
      const db = await m.openStore();
      const resumed = await m.beginBatch<{ target: number }>(db, key, {
        fileName: 'test.csv',
        totalRows: ids.length,
      });
      const afterReload = { scored: resumed.info.scoredRows, stored: resumed.results.size };
      const todo = ids.filter((id) => !resumed.results.has(id));
      for (let i = 0; i < todo.length; i += 4) {
        const chunk = todo.slice(i, i + 4);
        await m.saveBatchChunk(
          db,
          key,
          chunk.map((id) => ({ id, result: { target: id.length } })),
        );
      }
      // A chunk sent again (a retry, a second tab) records nothing new.
      const resent = await m.saveBatchChunk(
        db,
        key,
        ids.slice(0, 3).map((id) => ({ id, result: { target: -99 } })),
      );
      const done = await m.loadBatch<{ target: number }>(db, key);
      const listed = await m.listBatches(db);
      await m.deleteBatch(db, key);
      return {
        afterReload,
        resent,
        scoredRows: done?.info.scoredRows,
        ids: [...(done?.results.keys() ?? [])].sort(),
        firstResult: done?.results.get('row0'),
        listed: listed.map((b) => [b.fileName, b.totalRows]),
        gone: (await m.loadBatch(db, key)) === undefined,
      };
    },
    { path: STORE, key: KEY, ids: ROW_IDS },
  );
  // The chunk in flight at the reload either landed whole or not at all.
  expect([10, 15]).toContain(out.afterReload.stored);
  expect(out.afterReload.scored).toBe(out.afterReload.stored);
  expect(out.resent).toEqual({ saved: 0, alreadySaved: ['row0', 'row1', 'row2'] });
  expect(out.scoredRows).toBe(20);
  expect(out.ids).toEqual([...ROW_IDS].sort());
  expect(out.firstResult).toEqual({ target: 4 });
  expect(out.listed).toEqual([['test.csv', 20]]);
  expect(out.gone).toBe(true);
});

it('refuses to save a chunk for a batch that was never begun', async () => {
  const out = await page.evaluate(
    async ({ path, key }) => {
      const m = (await (self as unknown as WithImport).importModule(path)) as StoreModule;
      const db = await m.openStore();
      try {
        await m.saveBatchChunk(db, key, [{ id: 'a', result: 1 }]);
        return null;
      } catch (e) {
        return {
          code: (e as { code?: string }).code,
          stored: (await m.loadBatch(db, key)) ?? null,
        };
      }
    },
    { path: STORE, key: KEY },
  );
  expect(out).toEqual({ code: 'storage-failed', stored: null });
});

it('turns a full storage quota into a typed error and keeps what was saved', async () => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(env.url).origin,
    quotaSize: 2 * 1024 * 1024,
  });
  const out = await page.evaluate(async (path) => {
    const m = (await (self as unknown as WithImport).importModule(path)) as StoreModule;
    const db = await m.openStore();
    // 256 KB per text, random so that Chromium's value compression cannot shrink it.
    const data = Float32Array.from({ length: 64 * 1024 }, Math.random);
    let saved = 0;
    try {
      for (; saved < 64; saved++) {
        await m.putFeatures(db, {
          modelId: 'm',
          dtype: 'fp32',
          textHash: `t${saved}`,
          shape: [1],
          data,
        });
      }
      return { saved, error: null };
    } catch (e) {
      const first = await m.getFeatures(db, { modelId: 'm', dtype: 'fp32', textHash: 't0' });
      const error = e as { name: string; code?: string; message: string };
      return {
        saved,
        error: { name: error.name, code: error.code, message: error.message },
        isQuota: m.isQuotaError(e),
        firstKept: first?.data.length,
      };
    }
  }, STORE);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(env.url).origin });
  expect(out.saved).toBeGreaterThan(0);
  expect(out.saved).toBeLessThan(64);
  expect(out.error).toEqual({
    name: 'DataError',
    code: 'quota-exceeded',
    message: expect.stringContaining("this site's storage quota is full"),
  });
  expect(out.isQuota).toBe(true);
  expect(out.firstKept).toBe(64 * 1024);
});

it('says how many texts’ features a full store refused, and they are the ones missing', async () => {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(env.url).origin,
    quotaSize: 128 * 1024, // room for some of the texts' features (~2.5 kB each), not all
  });
  const out = await page.evaluate(
    async ([storePath, fitPath, clientPath, hashPath]) => {
      const load = (path: string) => (self as unknown as WithImport).importModule(path);
      const store = (await load(storePath)) as StoreModule;
      const fit = (await load(fitPath)) as FitModule;
      const { EngineClient } = (await load(clientPath)) as ClientModule;
      const { hashText } = (await load(hashPath)) as HashModule;
      const db = await store.openStore();
      const client = new EngineClient();
      const info = await client.load({
        source: { kind: 'served', path: '/models/roberta-tiny' },
        backend: 'wasm',
        dtype: 'fp32',
      });
      const texts = Array.from(
        { length: 120 },
        (_, i) => `Text number ${i} has a few words, ${'and more '.repeat(i % 7)}to read.`,
      );
      let last = null as null | { unsaved: number; done: number };
      await fit.extractFeatures({
        texts,
        info,
        db,
        embed: (t, p, signal, tokens) => client.embed(t, p, undefined, signal, tokens),
        onProgress: (p) => (last = p),
      });
      let stored = 0;
      for (const text of texts) {
        const key = { modelId: info.modelId, dtype: info.dtype, textHash: await hashText(text) };
        if (await store.getFeatures(db, key)) stored++;
      }
      client.dispose();
      return { last, stored, total: texts.length };
    },
    [STORE, '/src/pipeline/fitRun.ts', '/src/engine/client.ts', HASH] as const,
  );
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(env.url).origin });
  expect(out.last?.done).toBe(out.total);
  expect(out.stored).toBeGreaterThan(0); // some were kept before the quota ran out
  expect(out.last?.unsaved).toBeGreaterThan(0);
  expect(out.last?.unsaved).toBe(out.total - out.stored);
});

it('hashes with crypto.subtle in the page as Node does', async () => {
  const hex = await page.evaluate(async (path) => {
    const m = (await (self as unknown as WithImport).importModule(path)) as HashModule;
    return m.hashText('abc');
  }, HASH);
  expect(hex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
