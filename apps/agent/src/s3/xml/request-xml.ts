import { S3Error } from './s3-error';
import { elementsOf, readXml, rootOf, textOf } from './xml-reader';

/** S3's limit on the keys of one DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;
/** 1000 keys of 1024 bytes, each as escaped as XML lets it be, and then some. */
export const MAX_DELETE_XML_BYTES = 2 * 1024 * 1024;
export const MAX_BUCKET_CONFIGURATION_XML_BYTES = 64 * 1024;

export interface CreateBucketConfiguration {
  locationConstraint?: string;
}

/**
 * CreateBucket's optional body. An empty body is no configuration; the
 * LocationConstraint names the MCOS option to create the bucket with.
 */
export function parseCreateBucketConfiguration(body: Buffer): CreateBucketConfiguration {
  if (body.toString('utf8').trim() === '') return {};
  const root = rootOf(readXml(body, MAX_BUCKET_CONFIGURATION_XML_BYTES), 'CreateBucketConfiguration');
  const location = textOf(root, 'LocationConstraint')?.trim();
  return location ? { locationConstraint: location } : {};
}

export interface DeleteRequest {
  quiet: boolean;
  objects: { key: string; versionId?: string }[];
}

/** DeleteObjects' body: 1 to 1000 `<Object><Key>` entries and an optional `<Quiet>`. */
export function parseDelete(body: Buffer): DeleteRequest {
  const root = rootOf(readXml(body, MAX_DELETE_XML_BYTES), 'Delete');
  const quietText = textOf(root, 'Quiet')?.trim().toLowerCase();
  if (quietText !== undefined && quietText !== 'true' && quietText !== 'false') {
    throw new S3Error('MalformedXML', 'Quiet must be true or false.');
  }
  const entries = elementsOf(root, 'Object');
  if (entries.length === 0) throw new S3Error('MalformedXML', 'The Delete request names no Object.');
  if (entries.length > MAX_DELETE_KEYS) throw new S3Error('MalformedXML', `The Delete request names more than ${MAX_DELETE_KEYS} objects.`);
  const objects = entries.map((o) => {
    const key = textOf(o, 'Key');
    if (key === undefined || key === '') throw new S3Error('MalformedXML', 'Every Object needs a non-empty Key.');
    const versionId = textOf(o, 'VersionId');
    return versionId === undefined ? { key } : { key, versionId };
  });
  return { quiet: quietText === 'true', objects };
}
