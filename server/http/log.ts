/** Where log lines go: one structured object per event. Never pass tokens or setting values to one. */
export type LogSink = (fields: Record<string, unknown>) => void;

/** The default sink: one JSON object per line on stdout (workerd forwards console.log to the tail). */
export const log: LogSink = (fields) => {
  console.log(JSON.stringify({ ts: Date.now(), ...fields }));
};
