import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { headToJson, parseHead, type Head } from '../../analysis/head.ts';
import {
  deleteHead,
  listHeads,
  openStore,
  saveHead,
  type HeadRecord,
  type Store,
} from '../../data/store.ts';

const ACTIVE_KEY = 'readscope.activeHead';

export interface HeadsState {
  heads: HeadRecord<Head>[];
  activeId: string | null;
  active: HeadRecord<Head> | null;
  /** Why the last save, import or load failed, in a sentence. */
  error: string | null;
}

export interface HeadsActions {
  /** Saves a fitted head and returns its id. */
  add(head: Head, name: string): Promise<string>;
  activate(id: string | null): void;
  remove(id: string): Promise<void>;
  /** Validates and saves a head from JSON text; the reason when it is refused. */
  importJson(
    text: string,
    name: string,
  ): Promise<{ ok: true; id: string } | { ok: false; reason: string }>;
  /** The head as a downloadable JSON file. */
  exportJson(id: string): Blob | null;
}

function newId(): string {
  return crypto.randomUUID();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Saved heads (IndexedDB) and which one is active; one instance per app, shared by context. */
export function useHeadsState(): HeadsState & { actions: HeadsActions } {
  const [db, setDb] = useState<Store | null>(null);
  const [heads, setHeads] = useState<HeadRecord<Head>[]>([]);
  const [activeId, setActiveId] = useState<string | null>(() => localStorage.getItem(ACTIVE_KEY));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    openStore()
      .then(async (store) => {
        if (!live) return;
        setDb(store);
        // Stored heads were validated on the way in; validate again in case the schema moved on.
        const records = await listHeads(store);
        const valid = records.flatMap((r) => {
          const parsed = parseHead(JSON.stringify(r.head));
          return parsed.ok ? [{ ...r, head: parsed.head }] : [];
        });
        if (live) setHeads(valid);
      })
      .catch((e: unknown) => live && setError(message(e)));
    return () => {
      live = false;
    };
  }, []);

  const add = useCallback(
    async (head: Head, name: string) => {
      const id = newId();
      const record = { id, name, head };
      try {
        if (db) await saveHead(db, record);
      } catch (e) {
        setError(message(e));
      }
      setHeads((hs) => [...hs, { ...record, savedAt: Date.now() }]);
      return id;
    },
    [db],
  );

  const activate = useCallback((id: string | null) => {
    setActiveId(id);
    if (id) localStorage.setItem(ACTIVE_KEY, id);
    else localStorage.removeItem(ACTIVE_KEY);
  }, []);

  const remove = useCallback(
    async (id: string) => {
      if (db) await deleteHead(db, id).catch((e: unknown) => setError(message(e)));
      setHeads((hs) => hs.filter((h) => h.id !== id));
      setActiveId((current) => (current === id ? null : current));
    },
    [db],
  );

  const importJson = useCallback(
    async (text: string, name: string) => {
      const parsed = parseHead(text);
      if (!parsed.ok) return { ok: false as const, reason: parsed.reason };
      return { ok: true as const, id: await add(parsed.head, name) };
    },
    [add],
  );

  const exportJson = useCallback(
    (id: string) => {
      const record = heads.find((h) => h.id === id);
      return record ? new Blob([headToJson(record.head)], { type: 'application/json' }) : null;
    },
    [heads],
  );

  const actions = useMemo(
    () => ({ add, activate, remove, importJson, exportJson }),
    [add, activate, remove, importJson, exportJson],
  );
  const active = heads.find((h) => h.id === activeId) ?? null;
  return { heads, activeId, active, error, actions };
}

export const HeadsContext = createContext<ReturnType<typeof useHeadsState> | null>(null);

/** The app's saved heads and the active one. */
export function useHeads() {
  const value = useContext(HeadsContext);
  if (!value) throw new Error('useHeads needs a HeadsContext provider');
  return value;
}
