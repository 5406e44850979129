import { S3Error } from '../xml/s3-error';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why a name breaks S3's general-purpose bucket naming rules, or undefined.
 * The rules keep every bucket usable in virtual-hosted style (a DNS label
 * sequence) and in the tools that assume them.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be between 3 and 63 characters long.';
  if (!SHAPE.test(name)) return 'Bucket names may only hold lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit.';
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  if (name.includes('.-') || name.includes('-.')) return 'Bucket names must not have a hyphen next to a period.';
  if (IPV4.test(name)) return 'Bucket names must not be formatted as an IP address.';
  if (RESERVED_PREFIXES.some((p) => name.startsWith(p))) return 'Bucket names must not start with a reserved prefix.';
  if (RESERVED_SUFFIXES.some((s) => name.endsWith(s))) return 'Bucket names must not end with a reserved suffix.';
  return undefined;
}

/** Throws InvalidBucketName (with the name) unless `name` follows S3's rules. */
export function assertBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw new S3Error('InvalidBucketName', problem, undefined, { BucketName: name.slice(0, 255) });
}
