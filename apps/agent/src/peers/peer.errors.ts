/** A peer could not be reached, timed out, or failed on its side (5xx). */
export class PeerUnavailableError extends Error {
  readonly code = 'PEER_UNAVAILABLE';
  constructor(
    readonly peer: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`peer ${peer}: ${message}`, options);
  }
}

/** A peer answered with a 4xx other than 404: the request itself was wrong. */
export class PeerRejectedError extends Error {
  readonly code = 'PEER_REJECTED';
  constructor(
    readonly peer: string,
    readonly status: number,
    message: string,
  ) {
    super(`peer ${peer} rejected the request (${status}): ${message}`);
  }
}
