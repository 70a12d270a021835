/**
 * Orders two strings by Unicode code point, which is also the order of their UTF-8 bytes: the order SQLite's
 * BINARY collation (memcmp over UTF-8) gives, so a tie broken in JS and one broken by a SQL guard agree.
 * JavaScript's `<` compares UTF-16 code units instead, which puts U+E000..U+FFFF above every astral character
 * (their surrogates are 0xD800..0xDFFF): "\uFFFD" > "😀" in JS, but not in UTF-8.
 *
 * Only the first differing code unit matters. Below 0xD800 code units and code points agree. From there,
 * surrogates (astral code points, U+10000 and up) must sort above U+E000..U+FFFF: move them up by 0x2000
 * and the rest down by 0x800. In a well-formed string two differing surrogates at the same index are both
 * high or both low (the units before them are equal), and keep their order. Lone surrogates sort as astral characters would; canonical JSON
 * never contains one (JSON.stringify escapes them).
 * Returns a negative number, 0 or a positive number, like a sort comparator.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x < 0xd800 || y < 0xd800) return x - y;
      return rank(x) - rank(y);
    }
  }
  return a.length - b.length;
}

const rank = (unit: number) => (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000);
