/**
 * A fresh 16-hex-digit node id. Randomness is injected (default: Web Crypto, present in browsers, Node 20 and
 * workerd) so shared/ stays free of ambient I/O in tests.
 */
export function createNodeId(randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const bytes = randomBytes(8);
  let out = '';
  for (let i = 0; i < 8; i++) out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return out;
}
