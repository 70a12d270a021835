import { utf8ByteLength } from './canonical-json.js';

export type JsonShapeProblem = 'not-json' | 'too-deep' | 'too-large';

/** Expected outcome as data: a value's JSON size and depth, or the first limit it breaks. */
export type JsonMeasure =
  | { readonly ok: true; readonly bytes: number; readonly depth: number }
  | { readonly ok: false; readonly problem: JsonShapeProblem; readonly message: string };

export interface JsonShapeLimits {
  /** Containers that may nest: `1` is 0 deep, `[1]` 1, `{"a":[1]}` 2. */
  readonly maxDepth: number;
  /** UTF-8 bytes of the value's JSON text (JSON.stringify's, which canonical JSON matches in length). */
  readonly maxBytes?: number;
}

const problem = (p: JsonShapeProblem, message: string): JsonMeasure => ({ ok: false, problem: p, message });

/**
 * Checks that a value is plain JSON (null, booleans, finite numbers, strings, arrays, plain objects, no
 * `undefined` anywhere) within a depth and a size, with an explicit stack: no recursion, so no input can
 * overflow the call stack, and it stops at the first container past the depth or the first byte past the size,
 * so a hostile value costs at most the limits' worth of work (plus the width of one container).
 *
 * Own keys are read as data: a key named `__proto__` (JSON.parse makes it an own property) is a key like any
 * other and is measured, never dropped. Cycles are cut by the depth limit.
 */
export function measureJson(value: unknown, limits: JsonShapeLimits): JsonMeasure {
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let bytes = 0;
  let deepest = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop() as number;
    if (v === null) bytes += 4;
    else if (typeof v === 'string') bytes += utf8ByteLength(JSON.stringify(v));
    else if (typeof v === 'boolean') bytes += v ? 4 : 5;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return problem('not-json', 'value is not JSON (a number must be finite)');
      bytes += JSON.stringify(v).length;
    } else if (typeof v === 'object') {
      if (depth + 1 > limits.maxDepth) return problem('too-deep', `value nests deeper than ${limits.maxDepth} levels`);
      deepest = Math.max(deepest, depth + 1);
      if (Array.isArray(v)) {
        bytes += 2 + Math.max(0, v.length - 1);
        if (bytes > maxBytes) break;
        for (let i = v.length - 1; i >= 0; i--) {
          values.push(v[i]);
          depths.push(depth + 1);
        }
      } else {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) return problem('not-json', 'value is not JSON (only plain objects)');
        const record = v as Record<string, unknown>;
        const keys = Object.keys(record);
        bytes += 2 + Math.max(0, keys.length - 1) + keys.length; // braces, commas, colons
        for (let i = keys.length - 1; i >= 0 && bytes <= maxBytes; i--) {
          const key = keys[i] as string;
          bytes += utf8ByteLength(JSON.stringify(key));
          values.push(record[key]);
          depths.push(depth + 1);
        }
      }
    } else return problem('not-json', `value is not JSON (${typeof v})`);
    if (bytes > maxBytes) break;
  }
  if (bytes > maxBytes) return problem('too-large', `value exceeds ${maxBytes} bytes of JSON`);
  return { ok: true, bytes, depth: deepest };
}
