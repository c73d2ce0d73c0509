import { useEffect, useState } from 'react';
import { openStore, type Store } from '../../../data/store.ts';

/** The browser store for batch progress and cached features, or why it is unavailable. */
export function useStore(): { db: Store | null; error: string | null } {
  const [state, setState] = useState<{ db: Store | null; error: string | null }>({
    db: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    let opened: Store | null = null;
    openStore()
      .then((db) => {
        opened = db;
        if (live) setState({ db, error: null });
        else db.close();
      })
      .catch((e: unknown) => live && setState({ db: null, error: String((e as Error).message) }));
    return () => {
      live = false;
      opened?.close();
    };
  }, []);
  return state;
}
