import { CliError, ExitCode } from '../errors/cli.error';

/** S3's limits, which the agents' multipart uploads keep (issue 15). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;

/** One slice of a file or object: bytes `offset .. offset + length - 1`, part `number` (from 1). */
export interface Slice {
  number: number;
  offset: number;
  length: number;
}

/**
 * Cuts `size` bytes into parts of `partSize` (the last one shorter). A
 * part size that would need more than 10,000 parts is raised to the next MiB
 * that fits, as the AWS CLI does, rather than failing.
 * @throws CliError (usage) for a part size under 5 MiB or over 5 GiB, or a
 * file too large for 10,000 parts of 5 GiB.
 */
export function planParts(size: number, partSize: number): Slice[] {
  if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new CliError(`--part-size must be from 5 MiB to 5 GiB (got ${partSize} bytes)`, ExitCode.usage, 'the agents refuse smaller parts (except the last) and larger ones');
  }
  let chosen = partSize;
  if (Math.ceil(size / chosen) > MAX_PARTS) {
    const mib = 1024 * 1024;
    chosen = Math.ceil(size / MAX_PARTS / mib) * mib;
    if (chosen > MAX_PART_SIZE) throw new CliError(`a file of ${size} bytes needs more than 10,000 parts of 5 GiB`, ExitCode.usage);
  }
  return slices(size, chosen);
}

/** Cuts `size` bytes into slices of `length` (the last one shorter); none for 0 bytes. */
export function slices(size: number, length: number): Slice[] {
  const out: Slice[] = [];
  for (let offset = 0, number = 1; offset < size; offset += length, number++) out.push({ number, offset, length: Math.min(length, size - offset) });
  return out;
}
