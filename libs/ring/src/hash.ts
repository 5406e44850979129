/**
 * The ring's object hash: 64-bit FNV-1a over the UTF-8 bytes of
 * `/<account>/<container>/<object>`, finished with MurmurHash3's fmix64.
 *
 * This function decides where every object lives: changing it orphans all
 * stored data, so its outputs are pinned by tests.
 *
 * It works on signed 32-bit halves in local variables (V8 keeps them in
 * registers; module-level numbers above 2^31 would be boxed on every store),
 * encodes UTF-8 on the fly (a lone surrogate as U+FFFD, like TextEncoder)
 * and leaves its result in a preallocated Uint32Array: no BigInt, no
 * allocation.
 */

const result = new Uint32Array(2); // [high, low] of the last hash

function hashPath(account: string, container: string, object: string): void {
  let hi = 0xcbf29ce4 | 0; // FNV-1a 64 offset basis
  let lo = 0x84222325 | 0;
  for (let part = 0; part < 3; part++) {
    const s = part === 0 ? account : part === 1 ? container : object;
    const n = s.length;
    // Each byte: h = (h ^ byte) * 0x100000001b3 mod 2^64, with the low word
    // multiplied in 16-bit pieces so every step stays an exact int32.
    let bytes = 0x2f; // '/', then up to four UTF-8 bytes of one character, first byte lowest
    let count = 1;
    for (let i = 0; ; i++) {
      for (; count > 0; count--) {
        lo ^= bytes & 0xff;
        bytes >>>= 8;
        const a = (lo & 0xffff) * 0x1b3;
        const b = (lo >>> 16) * 0x1b3 + (a >>> 16);
        hi = (Math.imul(hi, 0x1b3) + (b >>> 16) + (lo << 8)) | 0;
        lo = (b << 16) | (a & 0xffff);
      }
      // ASCII fast path: the same step, inline.
      let c = 0;
      while (i < n && (c = s.charCodeAt(i)) < 0x80) {
        lo ^= c;
        const a = (lo & 0xffff) * 0x1b3;
        const b = (lo >>> 16) * 0x1b3 + (a >>> 16);
        hi = (Math.imul(hi, 0x1b3) + (b >>> 16) + (lo << 8)) | 0;
        lo = (b << 16) | (a & 0xffff);
        i++;
      }
      if (i >= n) break;
      if (c < 0x800) {
        bytes = (0xc0 | (c >>> 6)) | ((0x80 | (c & 0x3f)) << 8);
        count = 2;
      } else if (c < 0xd800 || c > 0xdfff) {
        bytes = (0xe0 | (c >>> 12)) | ((0x80 | ((c >>> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        count = 3;
      } else {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          bytes =
            (0xf0 | (cp >>> 18)) |
            ((0x80 | ((cp >>> 12) & 0x3f)) << 8) |
            ((0x80 | ((cp >>> 6) & 0x3f)) << 16) |
            ((0x80 | (cp & 0x3f)) << 24);
          count = 4;
          i++;
        } else {
          bytes = 0xbdbfef; // lone surrogate: U+FFFD
          count = 3;
        }
      }
    }
  }
  // fmix64: k ^= k >>> 33; k *= C1; k ^= k >>> 33; k *= C2; k ^= k >>> 33.
  for (let round = 0; round < 2; round++) {
    lo ^= hi >>> 1;
    const mh = round === 0 ? 0xff51afd7 | 0 : 0xc4ceb9fe | 0;
    const ml = round === 0 ? 0xed558ccd | 0 : 0x1a85ec53;
    const a0 = lo & 0xffff;
    const a1 = lo >>> 16;
    const b0 = ml & 0xffff;
    const b1 = ml >>> 16;
    const p00 = a0 * b0;
    const p01 = a0 * b1;
    const p10 = a1 * b0;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
    hi = (carry + Math.imul(hi, ml) + Math.imul(lo, mh)) | 0;
    lo = (mid << 16) | (p00 & 0xffff);
  }
  lo ^= hi >>> 1;
  result[0] = hi;
  result[1] = lo;
}

/**
 * Partition of an object: the top `partitionPower` bits (1..32) of its hash.
 * Allocation-free.
 */
export function partitionOf(partitionPower: number, account: string, container: string, object: string): number {
  hashPath(account, container, object);
  return result[0] >>> (32 - partitionPower);
}

/** The full 64-bit hash as 16 hex digits (diagnostics and tests; allocates). */
export function objectHashHex(account: string, container: string, object: string): string {
  hashPath(account, container, object);
  return result[0].toString(16).padStart(8, '0') + result[1].toString(16).padStart(8, '0');
}

/** Top 32 bits of the hash of `('', '', s)`: a stable string hash for seeds and handoff order. */
export function hash32(s: string): number {
  hashPath('', '', s);
  return result[0];
}

/** MurmurHash3 fmix32 of two 32-bit words: a cheap well-mixed pair score. */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
