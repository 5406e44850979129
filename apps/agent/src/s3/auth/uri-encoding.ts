import { S3Error } from '../xml/s3-error';

/**
 * URI encoding as SigV4 defines it for S3: every byte except the unreserved
 * characters (A-Z a-z 0-9 - _ . ~) becomes %XX with upper-case hex; `/` is
 * kept in paths and encoded in query strings. S3 paths are encoded once
 * (never double-encoded, never normalised).
 */

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~') UNRESERVED[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Encodes bytes (or a string as UTF-8) with the SigV4 rules. */
export function uriEncode(input: string | Uint8Array, keepSlash: boolean): string {
  if (typeof input === 'string') {
    let plain = true;
    for (let i = 0; i < input.length; i++) {
      const c = input.charCodeAt(i);
      if (!(c < 128 && (UNRESERVED[c] || (keepSlash && c === 47)))) {
        plain = false;
        break;
      }
    }
    if (plain) return input;
    input = Buffer.from(input, 'utf8');
  }
  let out = '';
  for (const b of input) {
    if (UNRESERVED[b] || (keepSlash && b === 47)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/**
 * Decodes %XX escapes (and `+` as a space when `plusIsSpace`, as in query
 * strings) into raw bytes. A `%` not followed by two hex digits is not a URI
 * any client can have signed: it is refused with `InvalidURI`.
 */
export function percentDecode(raw: string, plusIsSpace: boolean): Buffer {
  const out = Buffer.allocUnsafe(Buffer.byteLength(raw, 'utf8'));
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37) {
      const hi = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexValue(raw.charCodeAt(i + 2)) : -1;
      if (lo < 0) throw new S3Error('InvalidURI', "Couldn't parse the specified URI: a '%' is not followed by two hex digits.");
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else if (c === 43 && plusIsSpace) {
      out[n++] = 32;
    } else if (c < 128) {
      out[n++] = c;
    } else {
      // A raw non-ASCII character: copy its UTF-8 bytes (a surrogate pair is one code point).
      const cp = raw.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      n += out.write(s, n, 'utf8');
      if (cp > 0xffff) i++;
    }
  }
  return out.subarray(0, n);
}

/** Decodes to a UTF-8 string (invalid sequences become U+FFFD, as everywhere in Node). */
export function percentDecodeToString(raw: string, plusIsSpace: boolean): string {
  if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) return raw;
  return percentDecode(raw, plusIsSpace).toString('utf8');
}
