/**
 * One JSON object per line on stdout (workerd forwards console.log to the tail). Never pass tokens or
 * setting values here.
 */
export function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ ts: Date.now(), ...fields }));
}
