import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { PerUserLimiter } from '../../limits/per-user-limiter';
import { parseQuery } from '../auth/canonical-request';
import { S3CredentialStore } from '../auth/s3-credential-store';
import { SigV4Verifier } from '../auth/sigv4-verifier';
import { resolveAddress, resourceOf, type S3Address } from '../request/addressing';
import { s3RequestFromHttp } from '../s3-request';
import { S3Error } from '../xml/s3-error';
import { S3BucketOperations } from './bucket-operations';
import { S3ListingOperations } from './listing-operations';
import { S3MultipartOperations } from './multipart-operations';
import { S3ObjectOperations } from './object-operations';
import { sendError } from './s3-answer';
import type { S3BucketCall, S3Call, S3ObjectCall } from './s3-call';
import { toS3Error } from './s3-error-mapping';
import { routeS3, type S3Operation } from './s3-routes';

/** DI token of the door's addressing settings. */
export const S3_DOOR_SETTINGS = Symbol('S3DoorSettings');
export interface S3DoorSettings {
  /** Virtual-hosted style under this domain (`<bucket>.<domain>`); path style only when absent. */
  domain?: string;
}

/**
 * The S3 door: a plain Node `http` request handler (S3 routes by method and
 * query sub-resources, which a router of paths does not model), served on
 * the agent's second listener. It verifies the SigV4 signature, finds the
 * operation, and calls the same services as /v1; every answer carries an
 * `x-amz-request-id`, every failure is S3's XML error: S3Errors as they
 * are, domain errors mapped (s3-error-mapping.ts), anything else a logged
 * 500 InternalError.
 */
@Injectable()
export class S3DoorHandler {
  private readonly logger = new Logger('S3Door');
  private readonly verifier: SigV4Verifier;
  /** Request ids: a per-process prefix and a counter, unique without a random draw per request. */
  private readonly idPrefix = randomBytes(4).toString('hex').toUpperCase();
  private counter = 0;

  /** The listener for `http.createServer`. */
  readonly listener: RequestListener = (req, res) => void this.handle(req, res);

  constructor(
    credentials: S3CredentialStore,
    private readonly buckets: S3BucketOperations,
    private readonly listings: S3ListingOperations,
    private readonly objects: S3ObjectOperations,
    @Inject(S3_DOOR_SETTINGS) private readonly settings: S3DoorSettings,
    /** Shared with /v1: one user's requests count together at both doors; past it, 503 SlowDown. */
    private readonly perUser: PerUserLimiter,
    @Optional() private readonly multipart?: S3MultipartOperations,
  ) {
    this.verifier = new SigV4Verifier({ credentials });
  }

  async handle(httpReq: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = this.idPrefix + (this.counter++ >>> 0).toString(16).toUpperCase().padStart(8, '0');
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('server', 'MCOS');
    const req = s3RequestFromHttp(httpReq);
    let address: S3Address | undefined;
    let operation: S3Operation | undefined;
    try {
      address = resolveAddress(req.path, req.headers.host, this.settings.domain);
      const verified = await this.verifier.verify(req);
      const params = parseQuery(req.query);
      operation = routeS3(req.method, address, params, req.headers);
      const release = this.perUser.tryAcquire(verified.owner);
      if (!release) throw new S3Error('SlowDown', `${this.perUser.max} requests of this user are already in flight at this agent; please reduce your request rate.`);
      // Counted until the answer is done or the connection closed, whichever comes first.
      res.once('close', release);
      await this.dispatch(operation, { req, res, address, params, verified, account: verified.owner });
    } catch (err) {
      let s3 = toS3Error(err, address?.key === undefined ? 'NoSuchBucket' : 'NoSuchKey');
      if (!s3) {
        this.logger.error(`request ${requestId} ${operation ?? req.method} ${address ? resourceOf(address) : req.path.slice(0, 200)} failed: ${(err as Error)?.stack ?? String(err)}`);
        s3 = new S3Error('InternalError');
      }
      if (address && s3.resource === undefined) s3 = s3.withResource(resourceOf(address));
      sendError(res, s3, requestId, req.method, !httpReq.complete);
    }
  }

  private dispatch(op: S3Operation, call: S3Call): Promise<void> {
    const bucket = call as S3BucketCall;
    const object = call as S3ObjectCall;
    switch (op) {
      case 'ListBuckets':
        return this.buckets.listBuckets(call);
      case 'CreateBucket':
        return this.buckets.createBucket(bucket);
      case 'HeadBucket':
        return this.buckets.headBucket(bucket);
      case 'DeleteBucket':
        return this.buckets.deleteBucket(bucket);
      case 'GetBucketLocation':
        return this.buckets.getBucketLocation(bucket);
      case 'GetBucketVersioning':
        return this.buckets.getBucketVersioning(bucket);
      case 'GetBucketAcl':
        return this.buckets.getBucketAcl(bucket);
      case 'ListObjects':
        return this.listings.listObjects(bucket);
      case 'ListObjectsV2':
        return this.listings.listObjectsV2(bucket);
      case 'ListObjectVersions':
        return this.listings.listObjectVersions(bucket);
      case 'DeleteObjects':
        return this.objects.deleteObjects(bucket);
      case 'PutObject':
        return this.objects.putObject(object);
      case 'CopyObject':
        return this.objects.copyObject(object);
      case 'GetObject':
        return this.objects.getObject(object);
      case 'HeadObject':
        return this.objects.headObject(object);
      case 'DeleteObject':
        return this.objects.deleteObject(object);
      case 'GetObjectAcl':
        return this.objects.getObjectAcl(object);
      default:
        return this.dispatchMultipart(op, call);
    }
  }

  /** The multipart rows (multipart-operations.ts); NotImplemented where the door was built without them. */
  private dispatchMultipart(op: S3Operation, call: S3Call): Promise<void> {
    const m = this.multipart;
    if (!m) return Promise.reject(new S3Error('NotImplemented', 'Multipart upload is not implemented by this S3 endpoint.'));
    const object = call as S3ObjectCall;
    switch (op) {
      case 'CreateMultipartUpload':
        return m.createMultipartUpload(object);
      case 'UploadPart':
        return m.uploadPart(object);
      case 'UploadPartCopy':
        return m.uploadPartCopy(object);
      case 'ListParts':
        return m.listParts(object);
      case 'CompleteMultipartUpload':
        return m.completeMultipartUpload(object);
      case 'AbortMultipartUpload':
        return m.abortMultipartUpload(object);
      case 'ListMultipartUploads':
        return m.listMultipartUploads(call as S3BucketCall);
      case 'GetObjectPart':
        return m.getObjectPart(object);
      case 'HeadObjectPart':
        return m.headObjectPart(object);
      default:
        return Promise.reject(new S3Error('NotImplemented', `${op} is not implemented by this S3 endpoint.`));
    }
  }
}
