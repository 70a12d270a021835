import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useOrgs } from 'offline-sync-engine/client/react';
import type { Org } from '../model/types.js';

/**
 * The org the user is working in: the one they picked (remembered per user in localStorage), else their
 * first. The pick is only a preference: an org they lost access to simply stops being chosen.
 */
interface CurrentOrg {
  /** undefined while the cache is being read. */
  readonly orgs: Org[] | undefined;
  /** undefined while reading, null when the user belongs to no org. */
  readonly org: Org | null | undefined;
  select(orgId: string): void;
}

const CurrentOrgContext = createContext<CurrentOrg | null>(null);

export function CurrentOrgProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const key = `appraisal:org:${userId}`;
  const orgs = useOrgs();
  const [picked, setPicked] = useState(() => localStorage.getItem(key));
  const select = useCallback(
    (orgId: string) => {
      localStorage.setItem(key, orgId);
      setPicked(orgId);
    },
    [key],
  );
  const value = useMemo<CurrentOrg>(() => {
    const org = orgs === undefined ? undefined : (orgs.find((o) => o.id === picked) ?? [...orgs].sort(byName)[0] ?? null);
    return { orgs: orgs && [...orgs].sort(byName), org, select };
  }, [orgs, picked, select]);
  return <CurrentOrgContext.Provider value={value}>{children}</CurrentOrgContext.Provider>;
}

const byName = (a: Org, b: Org) => a.name.localeCompare(b.name);

export function useCurrentOrg(): CurrentOrg {
  const value = useContext(CurrentOrgContext);
  if (!value) throw new Error('useCurrentOrg: wrap the page in <CurrentOrgProvider>');
  return value;
}
