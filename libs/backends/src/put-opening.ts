import type { Readable } from 'node:stream';

import { PreconditionFailedError, type BackendError } from './backend.errors';
import { assertValidSize, normalizeMeta, type NormalizedMeta } from './backend-rules';
import { BodyReader } from './body-reader';
import type { ObjectMeta, PutOptions, StoredObjectInfo } from './object-backend';

/** What every put knows once its arguments are checked. */
export interface CheckedPut<E> {
  meta: NormalizedMeta;
  /** The metadata in the driver's own encoding (what `encodeMeta` returned). */
  encoded: E;
  createOnly: boolean;
}

/**
 * The checks a put makes before it touches the body or the network, in the
 * same order in every driver: the common metadata rules, the announced
 * size, then `encodeMeta` — the driver's own encoding of the metadata, which
 * throws `InvalidMetadataError` when the encoded form cannot fit the store's
 * limits. (The key is checked by the public `put` itself: a driver's probe
 * writes reserved keys through the same path.)
 */
export function checkPut<E>(meta: ObjectMeta, opts: PutOptions | undefined, encodeMeta: (m: NormalizedMeta) => E): CheckedPut<E> {
  const normalized = normalizeMeta(meta);
  assertValidSize(opts?.size);
  return { meta: normalized, encoded: encodeMeta(normalized), createOnly: opts?.ifNoneMatch === true };
}

/** The driver's side of `putBufferedOrStreamed`. */
export interface BufferedOrStreamedPut<E> {
  /** Bodies up to this many bytes are sent whole (`sendWhole`), longer ones in parts (`sendInParts`). */
  singlePutMaxBytes: number;
  /** See `checkPut`. */
  encodeMeta(m: NormalizedMeta): E;
  /** Whether the key exists now; asked for create-only puts before the body is read (fails fast). */
  exists(): Promise<boolean>;
  /** The whole body, read, and its MD5. */
  sendWhole(data: Buffer, etag: string, put: CheckedPut<E>): Promise<void>;
  /**
   * The bytes read so far (more than `singlePutMaxBytes`) and the rest of
   * the body; `reader` gives the MD5 and the size once `rest` is consumed.
   */
  sendInParts(first: Buffer[], rest: AsyncGenerator<Buffer>, reader: BodyReader, put: CheckedPut<E>): Promise<void>;
  /** Maps a failure once reading has started (the body is destroyed first). */
  mapError(err: unknown): BackendError;
}

/**
 * The opening of a put for stores whose metadata is fixed when a write
 * starts but whose MD5 is only known at its end (S3, Azure): `checkPut`,
 * the create-only check, then the body is read up to just over
 * `singlePutMaxBytes` to choose between one request with the whole body
 * and a write in parts. Errors before reading leave the body untouched;
 * once reading has started, a failure destroys it (the `ObjectBackend.put`
 * contract). Resolves with what was stored.
 */
export async function putBufferedOrStreamed<E>(key: string, body: Readable, meta: ObjectMeta, opts: PutOptions | undefined, driver: BufferedOrStreamedPut<E>): Promise<StoredObjectInfo> {
  const put = checkPut(meta, opts, (m) => driver.encodeMeta(m));
  if (put.createOnly && (await driver.exists())) throw new PreconditionFailedError(key);

  const reader = new BodyReader(body, opts?.size, opts?.knownMd5);
  const chunks = reader.chunks();
  const stored = (): StoredObjectInfo => ({ key, size: reader.bytes, etag: reader.etag(), lastModified: new Date(), ...put.meta });
  try {
    const first: Buffer[] = [];
    let firstBytes = 0;
    for (;;) {
      if (firstBytes > driver.singlePutMaxBytes) {
        await driver.sendInParts(first, chunks, reader, put);
        return stored();
      }
      const n = await chunks.next();
      if (n.done) break;
      first.push(n.value);
      firstBytes += n.value.length;
    }
    await driver.sendWhole(Buffer.concat(first, firstBytes), reader.etag(), put);
    return stored();
  } catch (err) {
    if (!body.destroyed) body.destroy();
    throw driver.mapError(err);
  }
}
