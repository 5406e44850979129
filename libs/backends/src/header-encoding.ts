/**
 * Text that must travel in HTTP headers (S3, Swift and Azure metadata
 * values): printable ASCII is kept as it is, everything else (and `%`) is
 * percent-encoded as UTF-8, so any Unicode value survives a store that only
 * takes ASCII, and stays readable in the store's own tools.
 */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0) as number;
    if (c > 0x20 && c < 0x7f && c !== 0x25) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of encodeHeaderValue; a value with a malformed escape was not written by us and is kept verbatim. */
export function decodeHeaderValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `bytes start-end/total` of a Content-Range header. */
export function parseContentRange(header: string | undefined): { start: number; end: number; total: number } | undefined {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim()) : null;
  return m ? { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) } : undefined;
}
