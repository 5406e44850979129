import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { S3Error } from '../xml/s3-error';

const XML = 'application/xml';

/** An XML document answer (listings, results). */
export function sendXml(res: ServerResponse, status: number, xml: string, headers: OutgoingHttpHeaders = {}): void {
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { ...headers, 'content-type': XML, 'content-length': body.length });
  res.end(body);
}

/** An answer without a body (HEAD, 204, 304, PUT object). */
export function sendEmpty(res: ServerResponse, status: number, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...headers, 'content-length': headers['content-length'] ?? 0 });
  res.end();
}

/**
 * S3's error document (none for HEAD, whose answers have no body). When the
 * request body was not read to its end (an upload refused before its bytes
 * were taken), the connection is closed rather than reading the rest of a
 * body nobody wants.
 */
export function sendError(res: ServerResponse, err: S3Error, requestId: string, method: string, bodyPending: boolean): void {
  if (res.headersSent) {
    // The answer had started (a streamed GET failed midway): only cutting
    // the connection tells the client that the body is incomplete.
    res.destroy();
    return;
  }
  const headers: OutgoingHttpHeaders = bodyPending ? { connection: 'close' } : {};
  if (err.code === 'ServiceUnavailable' || err.code === 'SlowDown') headers['retry-after'] = '1';
  if (method === 'HEAD') {
    res.writeHead(err.status, { ...headers, 'content-length': 0 });
    res.end();
    return;
  }
  sendXml(res, err.status, err.toXml(requestId), headers);
}
