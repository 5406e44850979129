import type { ServerResponse } from 'node:http';
import type { QueryParam } from '../auth/canonical-request';
import type { VerifiedRequest } from '../auth/sigv4-verifier';
import type { S3Address } from '../request/addressing';
import type { S3Request } from '../s3-request';
import type { S3Owner } from '../xml/response-xml';

/** One authenticated S3 request on its way through the door. */
export interface S3Call {
  req: S3Request;
  res: ServerResponse;
  address: S3Address;
  params: readonly QueryParam[];
  verified: VerifiedRequest;
  /** The MCOS account the access key belongs to: its buckets are its containers. */
  account: string;
}

/** A bucket-level call: the address names a bucket. */
export type S3BucketCall = S3Call & { address: S3Address & { bucket: string } };
/** An object-level call: the address names a bucket and a key. */
export type S3ObjectCall = S3Call & { address: S3Address & { bucket: string; key: string } };

/** The S3 owner of an account's buckets and objects. */
export function ownerOf(account: string): S3Owner {
  return { id: account, displayName: account };
}

/** The value of the first query parameter called `name`. */
export function paramOf(params: readonly QueryParam[], name: string): string | undefined {
  for (const p of params) if (p.name === name) return p.value;
  return undefined;
}
