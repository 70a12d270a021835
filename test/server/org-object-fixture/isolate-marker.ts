/**
 * A module-level value, set lazily (workerd refuses random values at module scope): the Worker and the spike
 * object each read it; the same value on both sides means they run in one isolate and share module state.
 */
let marker: string | undefined;

export function isolateMarker(): string {
  return (marker ??= crypto.randomUUID());
}
