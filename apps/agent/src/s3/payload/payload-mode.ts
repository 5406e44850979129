import { S3Error } from '../xml/s3-error';

/** How the body of a request is signed, read from its x-amz-content-sha256 value. */
export type PayloadMode =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'chunked'; signed: boolean; trailer: boolean };

const HEX64 = /^[0-9a-fA-F]{64}$/;

/**
 * Classifies x-amz-content-sha256. Streaming is recognised by this value
 * alone: some clients (minio-go, so restic) send signed aws-chunked bodies
 * without `Content-Encoding: aws-chunked`.
 */
export function payloadMode(payloadHash: string): PayloadMode {
  switch (payloadHash) {
    case 'UNSIGNED-PAYLOAD':
      return { kind: 'unsigned' };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD':
      return { kind: 'chunked', signed: true, trailer: false };
    case 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER':
      return { kind: 'chunked', signed: true, trailer: true };
    case 'STREAMING-UNSIGNED-PAYLOAD-TRAILER':
      return { kind: 'chunked', signed: false, trailer: true };
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD':
    case 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER':
      throw new S3Error('NotImplemented', 'Signature Version 4A (ECDSA) streaming payloads are not supported.');
  }
  if (HEX64.test(payloadHash)) return { kind: 'sha256', hex: payloadHash.toLowerCase() };
  throw new S3Error(
    'InvalidArgument',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.',
    undefined,
    { ArgumentName: 'x-amz-content-sha256', ArgumentValue: payloadHash.slice(0, 128) },
  );
}
