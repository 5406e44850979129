import { Injectable } from '@nestjs/common';
import { containerNameProblem, NotFoundError, type ContainerView } from '@mcos/common';
import { ClusterMapService } from '../../cluster-map/cluster-map.service';
import { ContainersService } from '../../objects/containers.service';
import { assertBucketName } from '../request/bucket-name';
import { decodeBody, readSmallBody } from '../payload/s3-body';
import { accessControlPolicyXml, listAllMyBucketsXml, locationConstraintXml, versioningConfigurationXml } from '../xml/response-xml';
import { MAX_BUCKET_CONFIGURATION_XML_BYTES, parseCreateBucketConfiguration } from '../xml/request-xml';
import { S3Error } from '../xml/s3-error';
import { toS3Error } from './s3-error-mapping';
import { sendEmpty, sendXml } from './s3-answer';
import { ownerOf, type S3BucketCall, type S3Call } from './s3-call';

/** ListBuckets pages through at most this many buckets (S3's default account quota is 10,000). */
const MAX_LISTED_BUCKETS = 10_000;

/**
 * A bucket name addressing an existing container. Creation holds names to
 * S3's rules; other calls accept any container name (buckets made through
 * /v1 may hold capitals or spaces), and refuse only what no container can be.
 */
export function assertAddressableBucket(name: string): void {
  if (containerNameProblem(name) !== undefined) throw new S3Error('InvalidBucketName', undefined, undefined, { BucketName: name.slice(0, 255) });
}

/** The service- and bucket-level operations: a bucket is a container of the key owner's account. */
@Injectable()
export class S3BucketOperations {
  constructor(
    private readonly containers: ContainersService,
    private readonly map: ClusterMapService,
  ) {}

  /** The caller's container, or NoSuchBucket. Another account's bucket of that name is not theirs: never seen. */
  async bucketOf(call: S3BucketCall): Promise<ContainerView> {
    assertAddressableBucket(call.address.bucket);
    try {
      return await this.containers.get(call.account, call.address.bucket);
    } catch (err) {
      throw toS3Error(err, 'NoSuchBucket') ?? err;
    }
  }

  async listBuckets(call: S3Call): Promise<void> {
    const buckets: { name: string; creationDate: Date }[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.containers.list(call.account, { marker, limit: 1000 });
      if (!page.complete) throw new S3Error('ServiceUnavailable', 'Too few agents answered to list every bucket; please retry.');
      for (const c of page.containers) buckets.push({ name: c.name, creationDate: new Date(c.createdAt) });
      if (!page.truncated || page.containers.length === 0 || buckets.length >= MAX_LISTED_BUCKETS) break;
      marker = page.containers[page.containers.length - 1].name;
    }
    sendXml(call.res, 200, listAllMyBucketsXml(ownerOf(call.account), buckets));
  }

  /**
   * CreateBucket: a LocationConstraint naming one of the cluster's options
   * chooses it; any other (AWS regions that clients send by habit) gets the
   * default option. Re-creating one's own bucket → BucketAlreadyOwnedByYou;
   * a name another user holds → BucketAlreadyExists.
   */
  async createBucket(call: S3BucketCall): Promise<void> {
    const name = call.address.bucket;
    assertBucketName(name);
    const { body } = decodeBody(call.req, call.verified, { maxSize: MAX_BUCKET_CONFIGURATION_XML_BYTES });
    const config = parseCreateBucketConfiguration(await readSmallBody(body, MAX_BUCKET_CONFIGURATION_XML_BYTES));
    const location = config.locationConstraint;
    const option = location !== undefined && this.map.option(location) ? location : undefined;
    if (await this.containers.find(call.account, name)) throw new S3Error('BucketAlreadyOwnedByYou', undefined, undefined, { BucketName: name });
    // Containers are per account, S3 bucket names one namespace: a name another user holds is not given again through S3.
    if (this.containers.takenByAnother(call.account, name)) throw new S3Error('BucketAlreadyExists', undefined, undefined, { BucketName: name });
    const { created } = await this.containers.create(call.account, name, option);
    if (!created) throw new S3Error('BucketAlreadyOwnedByYou', undefined, undefined, { BucketName: name });
    sendEmpty(call.res, 200, { location: `/${name}` });
  }

  async headBucket(call: S3BucketCall): Promise<void> {
    const bucket = await this.bucketOf(call);
    sendEmpty(call.res, 200, { 'x-amz-bucket-region': bucket.option });
  }

  async deleteBucket(call: S3BucketCall): Promise<void> {
    assertAddressableBucket(call.address.bucket);
    try {
      await this.containers.remove(call.account, call.address.bucket);
    } catch (err) {
      if (err instanceof NotFoundError) throw new S3Error('NoSuchBucket');
      if (err instanceof Error && 'code' in err && err.code === 'CONFLICT') throw new S3Error('BucketNotEmpty', undefined, undefined, { BucketName: call.address.bucket });
      throw err;
    }
    sendEmpty(call.res, 204);
  }

  /** The bucket's option is its location (any region is accepted in signatures, so clients that sign with it work). */
  async getBucketLocation(call: S3BucketCall): Promise<void> {
    const bucket = await this.bucketOf(call);
    sendXml(call.res, 200, locationConstraintXml(bucket.option));
  }

  async getBucketVersioning(call: S3BucketCall): Promise<void> {
    await this.bucketOf(call);
    sendXml(call.res, 200, versioningConfigurationXml());
  }

  async getBucketAcl(call: S3BucketCall): Promise<void> {
    await this.bucketOf(call);
    sendXml(call.res, 200, accessControlPolicyXml(ownerOf(call.account)));
  }
}
