import { createHash, createHmac } from 'node:crypto';
import type { ChunkSigningContext } from '../auth/sigv4-verifier';
import { EMPTY_SHA256 } from '../payload/aws-chunked-decoder';

/**
 * Encodes a body as aws-chunked the way SigV4 streaming clients do, for
 * tests and load generators: signed chunks chained from the seed signature
 * (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) or unsigned ones
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER), then the optional trailer, signed
 * when the chunks are.
 */
export function encodeAwsChunked(
  chunks: readonly Uint8Array[],
  opts: { signing?: ChunkSigningContext; trailer?: readonly [string, string][] },
): Buffer {
  const out: Buffer[] = [];
  let previous = opts.signing?.seedSignature ?? '';
  const sign = (toSign: string) => createHmac('sha256', opts.signing!.signingKey).update(toSign).digest('hex');
  for (const data of [...chunks.filter((c) => c.length > 0), new Uint8Array(0)]) {
    if (opts.signing) {
      const s = opts.signing;
      const hash = createHash('sha256').update(data).digest('hex');
      previous = sign(`AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${previous}\n${EMPTY_SHA256}\n${hash}`);
      out.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${previous}\r\n`));
    } else {
      out.push(Buffer.from(`${data.length.toString(16)}\r\n`));
    }
    if (data.length > 0) out.push(Buffer.from(data), Buffer.from('\r\n'));
  }
  if (opts.trailer) {
    const canonical = opts.trailer.map(([n, v]) => `${n}:${v}\n`).join('');
    out.push(Buffer.from(canonical.replace(/\n/g, '\r\n')));
    if (opts.signing) {
      const s = opts.signing;
      const hash = createHash('sha256').update(canonical).digest('hex');
      out.push(Buffer.from(`x-amz-trailer-signature:${sign(`AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${previous}\n${hash}`)}\r\n`));
    }
  }
  out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}
