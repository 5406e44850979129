import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';

import { BackendUnavailableError, InvalidMetadataError, PreconditionFailedError, type BackendError } from './backend.errors';
import type { NormalizedMeta } from './backend-rules';
import type { BodyReader } from './body-reader';
import { checkPut, putBufferedOrStreamed, type BufferedOrStreamedPut, type CheckedPut } from './put-opening';
import { bodyOf, md5Of, readAll } from './testing/test-bodies';

/** A driver that records what the opening asked of it. */
class FakeDriver implements BufferedOrStreamedPut<string> {
  whole?: { data: Buffer; etag: string; put: CheckedPut<string> };
  parts?: { first: Buffer; rest: Buffer; etag: string };
  existing = false;
  failSend?: Error;

  constructor(readonly singlePutMaxBytes: number) {}

  encodeMeta(m: NormalizedMeta): string {
    if (Object.keys(m.userMeta).length > 1) throw new InvalidMetadataError('the fake store takes one user metadata item');
    return JSON.stringify(m.userMeta);
  }

  async exists(): Promise<boolean> {
    return this.existing;
  }

  async sendWhole(data: Buffer, etag: string, put: CheckedPut<string>): Promise<void> {
    if (this.failSend) throw this.failSend;
    this.whole = { data, etag, put };
  }

  async sendInParts(first: Buffer[], rest: AsyncGenerator<Buffer>, reader: BodyReader): Promise<void> {
    const restBytes = await readAll(Readable.from(rest));
    if (this.failSend) throw this.failSend;
    this.parts = { first: Buffer.concat(first), rest: restBytes, etag: reader.etag() };
  }

  mapError(err: unknown): BackendError {
    return err instanceof BackendUnavailableError ? err : new BackendUnavailableError(`mapped: ${(err as Error).message}`, { cause: err });
  }
}

/** A body of `count` chunks of `size` bytes each. */
const chunked = (count: number, size: number) => Readable.from(Array.from({ length: count }, (_, i) => Buffer.alloc(size, i)));

describe('checkPut', () => {
  it('normalizes the metadata, then lets the driver encode it; create-only from the options', () => {
    const sut = checkPut({ userMeta: { a: 'b' } }, { ifNoneMatch: true }, (m) => Object.keys(m.userMeta).join());
    expect(sut).toEqual({ meta: { contentType: 'application/octet-stream', userMeta: { a: 'b' }, systemMeta: {} }, encoded: 'a', createOnly: true });
  });

  it('checks the common rules and the size before the driver encoding', () => {
    let encoded = 0;
    const encode = () => encoded++;
    expect(() => checkPut({ userMeta: { Upper: 'x' } }, undefined, encode)).toThrow(InvalidMetadataError);
    expect(() => checkPut({}, { size: -1 }, encode)).toThrow(RangeError);
    expect(encoded).toBe(0);
  });
});

describe('putBufferedOrStreamed', () => {
  it('sends a body of exactly singlePutMaxBytes whole, with its MD5', async () => {
    const driver = new FakeDriver(8);
    const info = await putBufferedOrStreamed('k', chunked(2, 4), { userMeta: { a: 'b' } }, undefined, driver);
    const data = Buffer.concat([Buffer.alloc(4, 0), Buffer.alloc(4, 1)]);
    expect(driver.whole?.data).toEqual(data);
    expect(driver.whole?.etag).toBe(md5Of(data));
    expect(driver.whole?.put.encoded).toBe('{"a":"b"}');
    expect(driver.parts).toBeUndefined();
    expect(info).toMatchObject({ key: 'k', size: 8, etag: md5Of(data), userMeta: { a: 'b' } });
  });

  it('sends a longer body in parts: what was read first, then the rest, never read twice', async () => {
    const driver = new FakeDriver(8);
    const info = await putBufferedOrStreamed('k', chunked(5, 4), {}, { size: 20 }, driver);
    const data = Buffer.concat(Array.from({ length: 5 }, (_, i) => Buffer.alloc(4, i)));
    expect(driver.whole).toBeUndefined();
    expect(driver.parts?.first).toEqual(data.subarray(0, 12));
    expect(driver.parts?.rest).toEqual(data.subarray(12));
    expect(info).toMatchObject({ key: 'k', size: 20, etag: md5Of(data) });
  });

  it('refuses create-only on an existing key before reading the body', async () => {
    const driver = new FakeDriver(8);
    driver.existing = true;
    const body = bodyOf('untouched');
    await expect(putBufferedOrStreamed('k', body, {}, { ifNoneMatch: true }, driver)).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(body.destroyed).toBe(false);
    await expect(readAll(body)).resolves.toEqual(Buffer.from('untouched'));
  });

  it('leaves the body untouched when the driver cannot encode the metadata', async () => {
    const body = bodyOf('untouched');
    await expect(putBufferedOrStreamed('k', body, { userMeta: { a: '1', b: '2' } }, undefined, new FakeDriver(8))).rejects.toBeInstanceOf(InvalidMetadataError);
    expect(body.destroyed).toBe(false);
  });

  it('destroys the body and maps the error once sending failed', async () => {
    for (const size of [4, 40]) {
      const driver = new FakeDriver(8);
      driver.failSend = new Error('store said no');
      const body = bodyOf(Buffer.alloc(size));
      const put = putBufferedOrStreamed('k', body, {}, undefined, driver);
      await expect(put).rejects.toThrow('mapped: store said no');
      expect(body.destroyed).toBe(true);
    }
  });
});
