import { Injectable } from '@nestjs/common';
import type { ObjectListPage } from '@mcos/common';
import { ObjectsService } from '../../objects/objects.service';
import { parseListParams, type ListObjectsParams } from '../request/list-params';
import { listBucketResultV1Xml, listBucketResultV2Xml, listVersionsResultXml, type S3ObjectEntry } from '../xml/response-xml';
import { S3Error } from '../xml/s3-error';
import { S3BucketOperations } from './bucket-operations';
import { sendXml } from './s3-answer';
import { ownerOf, type S3BucketCall } from './s3-call';

/** The largest code point: appended to a common prefix, it sorts after every name under that prefix. */
const AFTER_EVERY_NAME = '\u{10FFFF}';

/**
 * Where a listing resumes. A marker that is one of the listing's common
 * prefixes (a truncated page may end on one) must skip every name under
 * that prefix, or the next page would roll them into the same prefix again.
 */
export function resumeAfter(marker: string | undefined, prefix: string, delimiter: string | undefined): string | undefined {
  if (marker === undefined || !delimiter || !marker.startsWith(prefix) || !marker.endsWith(delimiter)) return marker;
  const at = marker.indexOf(delimiter, prefix.length);
  return at === marker.length - delimiter.length ? marker + AFTER_EVERY_NAME : marker;
}

/** V2 continuation tokens: the name the next page starts after, opaque to clients (base64url). */
export function encodeContinuationToken(marker: string): string {
  return Buffer.from(marker, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const marker = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
  if (marker === undefined || marker === '' || encodeContinuationToken(marker) !== token) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', undefined, { ArgumentName: 'continuation-token' });
  }
  return marker;
}

/** ListObjects (V1), ListObjectsV2 and ListObjectVersions: the same merged view as /v1 listings. */
@Injectable()
export class S3ListingOperations {
  constructor(
    private readonly objects: ObjectsService,
    private readonly buckets: S3BucketOperations,
  ) {}

  async listObjects(call: S3BucketCall): Promise<void> {
    const p = parseListParams(call.req.query);
    const { page, entries } = await this.page(call, p, p.marker);
    sendXml(
      call.res,
      200,
      listBucketResultV1Xml({ ...this.common(call, p, page, entries, true), marker: p.marker, nextMarker: page.nextMarker }),
    );
  }

  async listObjectsV2(call: S3BucketCall): Promise<void> {
    const p = parseListParams(call.req.query);
    const start = p.continuationToken !== undefined ? decodeContinuationToken(p.continuationToken) : p.startAfter;
    const { page, entries } = await this.page(call, p, start);
    sendXml(
      call.res,
      200,
      listBucketResultV2Xml({
        ...this.common(call, p, page, entries, p.fetchOwner),
        continuationToken: p.continuationToken,
        nextContinuationToken: page.truncated && page.nextMarker !== undefined ? encodeContinuationToken(page.nextMarker) : undefined,
        startAfter: p.startAfter,
        fetchOwner: p.fetchOwner,
      }),
    );
  }

  /** Versioning is never enabled: every current object is its only version, `null`. */
  async listObjectVersions(call: S3BucketCall): Promise<void> {
    const p = parseListParams(call.req.query);
    const { page, entries } = await this.page(call, p, p.keyMarker);
    sendXml(call.res, 200, listVersionsResultXml({ ...this.common(call, p, page, entries, true), keyMarker: p.keyMarker, nextKeyMarker: page.nextMarker }));
  }

  private async page(call: S3BucketCall, p: ListObjectsParams, marker: string | undefined): Promise<{ page: ObjectListPage; entries: S3ObjectEntry[] }> {
    const bucket = await this.buckets.bucketOf(call);
    if (p.maxKeys === 0) return { page: { objects: [], subdirs: [], truncated: false, complete: true }, entries: [] };
    const page = await this.objects.list(call.account, bucket.name, {
      prefix: p.prefix === '' ? undefined : p.prefix,
      delimiter: p.delimiter,
      marker: resumeAfter(marker, p.prefix, p.delimiter),
      limit: p.maxKeys,
    });
    // An incomplete listing could hide objects; sync tools would take that as deleted.
    if (!page.complete) throw new S3Error('ServiceUnavailable', 'Too few agents answered to list every object; please retry.');
    const entries = page.objects.map((o) => ({ key: o.name, lastModified: new Date(o.lastModified), etag: o.etag, size: o.size }));
    return { page, entries };
  }

  private common(call: S3BucketCall, p: ListObjectsParams, page: ObjectListPage, entries: S3ObjectEntry[], withOwner: boolean) {
    const owner = ownerOf(call.account);
    return {
      bucket: call.address.bucket,
      prefix: p.prefix,
      delimiter: p.delimiter,
      maxKeys: p.maxKeys,
      encodingType: p.encodingType,
      isTruncated: page.truncated,
      contents: withOwner ? entries.map((e) => ({ ...e, owner })) : entries,
      commonPrefixes: page.subdirs,
    };
  }
}
