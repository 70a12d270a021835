import { createContext, useContext, type ReactNode } from 'react';
import type { SyncEngine } from '../engine/sync-engine.js';

const SyncContext = createContext<SyncEngine | null>(null);

/** Makes one user's sync engine available to the hooks below it. The app creates and starts the engine. */
export function SyncProvider({ engine, children }: { engine: SyncEngine; children: ReactNode }) {
  return <SyncContext.Provider value={engine}>{children}</SyncContext.Provider>;
}

export function useSyncEngine(): SyncEngine {
  const engine = useContext(SyncContext);
  if (!engine) throw new Error('useSyncEngine: wrap the app in <SyncProvider engine={…}>');
  return engine;
}
