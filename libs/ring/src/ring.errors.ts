/**
 * Thrown by the builder (and `Ring.create`, `diffRings`) when the input is
 * unusable. The message names the offending field or value.
 */
export class RingInputError extends Error {
  readonly code = 'RING_INPUT_INVALID';
  override readonly name = 'RingInputError';
}

/** What exactly is wrong with a serialised ring. */
export type RingFormatProblem =
  | 'bad-magic'
  | 'unsupported-version'
  | 'truncated'
  | 'trailing-bytes'
  | 'checksum-mismatch'
  | 'bad-meta'
  | 'index-out-of-range'
  | 'duplicate-replica';

/**
 * Thrown by `Ring.deserialize` for bytes that are not a valid ring: the ring
 * must then be fetched again, never used partially.
 */
export class RingFormatError extends Error {
  readonly code = 'RING_FORMAT_INVALID';
  override readonly name = 'RingFormatError';

  constructor(
    readonly problem: RingFormatProblem,
    message: string,
  ) {
    super(`invalid ring (${problem}): ${message}`);
  }
}
