import http from 'node:http';
import type { Readable } from 'node:stream';

export interface PeerHttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The response body as it arrives; the caller must consume or destroy it. */
  body: http.IncomingMessage;
}

export interface PeerHttpRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** Streamed as it comes (chunked unless `content-length` is set). */
  body?: Readable;
  /** Longest wait for the response to start once the request is sent; 0 = none (large uploads). */
  responseTimeoutMs: number;
  /**
   * The connection is closed when no byte moves on it for this long, while
   * sending, waiting or streaming the response (0 = never). It follows
   * progress: a large transfer that keeps moving is never cut, a stalled one
   * (a reader that stopped reading) gives its pooled socket back.
   */
  idleTimeoutMs?: number;
}

/** A transport failure: the peer could not be reached or did not answer in time. */
export class PeerTransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * One request on the replica hot path over bare `node:http`, on the peer
 * client's keep-alive agent. Replica bytes go agent to agent on every
 * forwarded read and every replicated write; profiles showed axios's
 * per-call work (config merging, header handling, adapters) at ~10 % of a
 * forwarding agent's CPU for 4 KiB objects (docs/performance.md), which a
 * plain request does not cost. Resolves when the response head arrives.
 */
export function sendPeerRequest(agent: http.Agent, req: PeerHttpRequest): Promise<PeerHttpResponse> {
  return new Promise<PeerHttpResponse>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      if (timer) clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(err instanceof PeerTransportError ? err : new PeerTransportError(errorCode(err), err.message, { cause: err }));
    };
    const outgoing = http.request(req.url, { method: req.method, headers: req.headers, agent }, (res) => {
      if (timer) clearTimeout(timer);
      settled = true;
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    outgoing.on('error', fail);
    if (req.idleTimeoutMs) {
      const idle = req.idleTimeoutMs;
      outgoing.setTimeout(idle, () => {
        const err = new PeerTransportError('ETIMEDOUT', `no byte moved for ${idle} ms`);
        fail(err);
        outgoing.destroy(err);
      });
    }
    const armTimer = () => {
      if (req.responseTimeoutMs <= 0 || settled) return;
      timer = setTimeout(() => {
        const err = new PeerTransportError('ETIMEDOUT', `no response within ${req.responseTimeoutMs} ms`);
        fail(err);
        outgoing.destroy(err);
      }, req.responseTimeoutMs);
    };
    if (!req.body) {
      outgoing.end();
      armTimer();
      return;
    }
    const body = req.body;
    // A failing body aborts the request (the peer discards what it got); a
    // failing request stops reading the body, whose owner decides what next.
    body.once('error', (err) => {
      fail(new PeerTransportError('EBODY', `request body failed: ${err.message}`, { cause: err }));
      outgoing.destroy(err);
    });
    outgoing.once('close', () => body.unpipe(outgoing));
    body.once('end', armTimer);
    body.pipe(outgoing);
  });
}

function errorCode(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? 'EPEER';
}
