/** Durations and ages in short words ("12 s", "3 min", "2 h 5 min"), for the sync bar and the outbox. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "just now", "3 minutes ago", in the user's locale when the browser knows it. */
export function formatAgo(ms: number, locale?: string): string {
  if (ms < 5_000) return 'just now';
  const format = new Intl.RelativeTimeFormat(safeLocale(locale), { numeric: 'auto' });
  const s = Math.round(ms / 1000);
  if (s < 60) return format.format(-s, 'second');
  if (s < 3600) return format.format(-Math.floor(s / 60), 'minute');
  if (s < 172_800) return format.format(-Math.floor(s / 3600), 'hour');
  return format.format(-Math.floor(s / 86_400), 'day');
}

/** A stored locale the browser does not support falls back to the browser's own. */
function safeLocale(locale?: string): string | undefined {
  if (!locale) return undefined;
  try {
    return Intl.RelativeTimeFormat.supportedLocalesOf([locale])[0];
  } catch {
    return undefined;
  }
}
