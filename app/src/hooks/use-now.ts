import { useEffect, useState } from 'react';

/** The wall clock, re-read every `everyMs`, for ages that must keep counting ("synced 12 s ago"). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
