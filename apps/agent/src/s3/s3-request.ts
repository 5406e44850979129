import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The framework-free view of one S3 request that every building block in
 * `s3/` works on. The S3 controller makes it from the HTTP request; tests
 * make it by hand.
 */
export interface S3Request {
  /** Upper-case HTTP method. */
  method: string;
  /** The path exactly as received (still percent-encoded), without the query string. */
  path: string;
  /** The raw query string without the leading `?` (`''` when there is none). */
  query: string;
  /** Header names lower-cased; a repeated header's values joined with `,`. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The request body as received on the wire (still aws-chunked when it is). */
  body: Readable;
}

/** Builds the S3Request view of a Node HTTP request (Express's `req` is one). */
export function s3RequestFromHttp(req: IncomingMessage): S3Request {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  // headersDistinct keeps every value of a repeated header, which SigV4
  // canonicalises joined with ',' (req.headers joins with ', ' or drops some).
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values !== undefined) headers[name] = values.join(',');
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    headers,
    body: req,
  };
}
