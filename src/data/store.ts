/**
 * The browser store (IndexedDB through idb): cached features, batch progress and saved heads.
 * Batch results are written a chunk per transaction, keyed by row id, so a reload or crash
 * resumes from the last whole chunk with no row recorded twice and none lost. Every write failure
 * comes back as a DataError; a full quota says so instead of losing data quietly.
 */
import {
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import { DataError, isDataError } from './errors.ts';

/** Name of the database; tests pass their own to {@link openStore}. */
export const DB_NAME = 'readscope';
const DB_VERSION = 1;

/** What a cached feature vector is keyed by. */
export interface FeatureKey {
  modelId: string;
  dtype: string;
  /** {@link hashText} of the text. */
  textHash: string;
}

/** Cached model features for one text: a flat Float32Array and its shape, e.g. [layers, hidden]. */
export interface FeatureRecord extends FeatureKey {
  shape: number[];
  data: Float32Array;
  savedAt: number;
}

/** One batch run: a file (by content hash) scored by one model through one head. */
export interface BatchKey {
  fileHash: string;
  modelId: string;
  headId: string;
}

/** What the store knows about a batch. */
export interface BatchInfo extends BatchKey {
  fileName: string;
  totalRows: number;
  scoredRows: number;
  createdAt: number;
  updatedAt: number;
}

/** A batch and the results stored so far, by row id. */
export interface BatchProgress<R> {
  info: BatchInfo;
  results: Map<string, R>;
}

/** A fitted head saved by the user; `head` is its JSON (see analysis/head.ts). */
export interface HeadRecord<H = unknown> {
  id: string;
  name: string;
  savedAt: number;
  head: H;
}

interface BatchRowRecord extends BatchKey {
  rowId: string;
  result: unknown;
}

interface ReadscopeSchema extends DBSchema {
  features: { key: [string, string, string]; value: FeatureRecord };
  batches: { key: [string, string, string]; value: BatchInfo };
  batchRows: { key: [string, string, string, string]; value: BatchRowRecord };
  heads: { key: string; value: HeadRecord };
}

/** An open connection to the store. */
export type Store = IDBPDatabase<ReadscopeSchema>;
type Tx = IDBPTransaction<ReadscopeSchema, StoreNames<ReadscopeSchema>[], 'readwrite'>;

/** Opens the store, creating its object stores on first use. */
export async function openStore(name = DB_NAME): Promise<Store> {
  try {
    const db: Store = await openDB<ReadscopeSchema>(name, DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('features', { keyPath: ['modelId', 'dtype', 'textHash'] });
        db.createObjectStore('batches', { keyPath: ['fileHash', 'modelId', 'headId'] });
        db.createObjectStore('batchRows', { keyPath: ['fileHash', 'modelId', 'headId', 'rowId'] });
        db.createObjectStore('heads', { keyPath: 'id' });
      },
      // Let another tab upgrade the schema rather than leave it waiting on us.
      blocking: () => db.close(),
    });
    return db;
  } catch (cause) {
    throw new DataError(
      'storage-unavailable',
      'This browser will not let readscope store data (IndexedDB is unavailable, as in some ' +
        'private windows). Scoring still works, but progress and cached features are not kept.',
      { cause },
    );
  }
}

/** The cached features for a text, if any. */
export function getFeatures(db: Store, key: FeatureKey): Promise<FeatureRecord | undefined> {
  return db.get('features', [key.modelId, key.dtype, key.textHash]);
}

/** Caches features for a text, replacing any stored under the same key. */
export function putFeatures(db: Store, record: Omit<FeatureRecord, 'savedAt'>): Promise<void> {
  // A view into a bigger buffer would be cloned with the whole buffer behind it.
  const data =
    record.data.byteLength === record.data.buffer.byteLength ? record.data : record.data.slice();
  return write(db, ['features'], 'cached features', async (tx) => {
    await tx.objectStore('features').put({ ...record, data, savedAt: Date.now() });
  });
}

/** Removes every cached feature vector (to free space). */
export function clearFeatures(db: Store): Promise<void> {
  return write(db, ['features'], 'cleared features', (tx) => tx.objectStore('features').clear());
}

/** Starts a batch, or resumes it with the results already stored when it was begun before. */
export async function beginBatch<R>(
  db: Store,
  key: BatchKey,
  meta: { fileName: string; totalRows: number },
): Promise<BatchProgress<R>> {
  const existing = await loadBatch<R>(db, key);
  if (existing) return existing;
  const now = Date.now();
  const info: BatchInfo = { ...key, ...meta, scoredRows: 0, createdAt: now, updatedAt: now };
  await write(db, ['batches'], 'batch progress', (tx) => tx.objectStore('batches').put(info));
  return { info, results: new Map() };
}

/**
 * Stores the results of one chunk of rows in a single transaction: all of them or none. Rows
 * already stored keep their first result and are returned, so a caller that re-sends them
 * (another tab, a retried chunk) cannot record a row twice.
 */
export function saveBatchChunk<R>(
  db: Store,
  key: BatchKey,
  chunk: readonly { id: string; result: R }[],
): Promise<{ saved: number; alreadySaved: string[] }> {
  return write(db, ['batches', 'batchRows'], 'batch progress', async (tx) => {
    const batches = tx.objectStore('batches');
    const rows = tx.objectStore('batchRows');
    const info = await batches.get(batchKey(key));
    if (!info) {
      throw new DataError(
        'storage-failed',
        'This batch is no longer in the browser store (it was deleted, perhaps from another ' +
          'tab). Start the batch again.',
      );
    }
    const alreadySaved: string[] = [];
    let saved = 0;
    for (const { id, result } of chunk) {
      if ((await rows.getKey([key.fileHash, key.modelId, key.headId, id])) !== undefined) {
        alreadySaved.push(id);
      } else {
        await rows.put({ ...key, rowId: id, result });
        saved++;
      }
    }
    await batches.put({ ...info, scoredRows: info.scoredRows + saved, updatedAt: Date.now() });
    return { saved, alreadySaved };
  });
}

/** A stored batch with its results so far, or undefined when it was never begun. */
export async function loadBatch<R>(
  db: Store,
  key: BatchKey,
): Promise<BatchProgress<R> | undefined> {
  const tx = db.transaction(['batches', 'batchRows'], 'readonly');
  const [info, rows] = await Promise.all([
    tx.objectStore('batches').get(batchKey(key)),
    tx.objectStore('batchRows').getAll(batchRowRange(key)),
  ]);
  if (!info) return undefined;
  return { info, results: new Map(rows.map((r) => [r.rowId, r.result as R])) };
}

/** Every stored batch, most recently updated first. */
export async function listBatches(db: Store): Promise<BatchInfo[]> {
  const all = await db.getAll('batches');
  return all.sort((a, b) => b.updatedAt - a.updatedAt);
}

/** Deletes a batch and its stored results. */
export function deleteBatch(db: Store, key: BatchKey): Promise<void> {
  return write(db, ['batches', 'batchRows'], 'deleted batch', async (tx) => {
    await tx.objectStore('batchRows').delete(batchRowRange(key));
    await tx.objectStore('batches').delete(batchKey(key));
  });
}

/** Saves a head under its id, replacing any head with the same id. */
export function saveHead<H>(db: Store, head: Omit<HeadRecord<H>, 'savedAt'>): Promise<void> {
  return write(db, ['heads'], 'the head', async (tx) => {
    await tx.objectStore('heads').put({ ...head, savedAt: Date.now() });
  });
}

/** The saved head with this id, if any. */
export async function getHead<H>(db: Store, id: string): Promise<HeadRecord<H> | undefined> {
  return (await db.get('heads', id)) as HeadRecord<H> | undefined;
}

/** Every saved head, newest first. */
export async function listHeads(db: Store): Promise<HeadRecord[]> {
  const all = await db.getAll('heads');
  return all.sort((a, b) => b.savedAt - a.savedAt);
}

/** Deletes a saved head. */
export function deleteHead(db: Store, id: string): Promise<void> {
  return write(db, ['heads'], 'deleted head', (tx) => tx.objectStore('heads').delete(id));
}

/** True when an error (or what caused it) is the browser refusing to store more. */
export function isQuotaError(e: unknown): boolean {
  if (isDataError(e, 'quota-exceeded')) return true;
  return e instanceof DOMException && e.name === 'QuotaExceededError';
}

function batchKey(key: BatchKey): [string, string, string] {
  return [key.fileHash, key.modelId, key.headId];
}

// Arrays sort after strings in IndexedDB, so [..., []] bounds every string row id of the batch.
function batchRowRange(key: BatchKey): IDBKeyRange {
  return IDBKeyRange.bound(batchKey(key), [...batchKey(key), []]);
}

/** Runs `body` in one readwrite transaction and turns any failure into a DataError. */
async function write<T>(
  db: Store,
  stores: StoreNames<ReadscopeSchema>[],
  what: string,
  body: (tx: Tx) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(stores, 'readwrite');
  // Quota errors abort the transaction at commit; read the reason from tx.error, not the request.
  const done = tx.done.then(
    () => undefined,
    (e: unknown) => e,
  );
  try {
    const out = await body(tx);
    const failed = await done;
    if (failed !== undefined) throw failed;
    return out;
  } catch (e) {
    abortQuietly(tx);
    throw toStorageError(what, tx.error ?? e, e);
  }
}

function abortQuietly(tx: Tx): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted: nothing left to undo.
  }
}

function toStorageError(what: string, reason: unknown, thrown: unknown): DataError {
  if (isDataError(thrown)) return thrown;
  if (isQuotaError(reason)) {
    return new DataError(
      'quota-exceeded',
      `The browser would not store ${what}: this site's storage quota is full. Free space by ` +
        'clearing cached features or old batches, or allow the site more storage in the ' +
        'browser settings. Everything saved before this is still there.',
      { cause: reason },
    );
  }
  const detail = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return new DataError(
    'storage-failed',
    `Saving ${what} in the browser failed (${detail}). Reload the page and try again.`,
    { cause: reason },
  );
}
