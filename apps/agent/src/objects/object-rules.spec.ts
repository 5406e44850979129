import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { BadRequestError } from '@mcos/common';
import { BodyTooLargeError, checkObjectMetadata, limitBody, MAX_USER_META_BYTES } from './object-rules';

describe('checkObjectMetadata (issue 13, point 7)', () => {
  it('accepts ordinary metadata and content types', () => {
    expect(() => checkObjectMetadata('text/plain; charset=utf-8', { author: 'Zoë', 'x-1': '' })).not.toThrow();
    expect(() => checkObjectMetadata(undefined, {})).not.toThrow();
  });

  it.each([
    ['CR/LF in a value', undefined, { a: 'x\r\nSet-Cookie: y' }],
    ['a NUL in a value', undefined, { a: 'x\u0000' }],
    ['a C1 control in a value', undefined, { a: 'x\u0085' }],
    ['a lone surrogate', undefined, { a: '\ud800' }],
    ['an upper-case name', undefined, { A: 'x' }],
    ['a name too long', undefined, { ['n'.repeat(129)]: 'x' }],
    ['too many bytes', undefined, { a: 'v'.repeat(MAX_USER_META_BYTES) }],
    ['a non-ASCII content type', 'text/plain; é', {}],
    ['a content type with CR/LF', 'text/plain\r\nx: y', {}],
    ['an empty content type', '', {}],
    ['a content type too long', 'a/' + 'b'.repeat(300), {}],
  ])('refuses %s with a 400', (_what, contentType, meta) => {
    expect(() => checkObjectMetadata(contentType, meta as Record<string, string>)).toThrow(BadRequestError);
  });
});

describe('limitBody', () => {
  const sink = () => new Writable({ write: (_c, _e, done) => done() });

  it('passes a body up to the limit', async () => {
    await expect(pipeline(limitBody(Readable.from([Buffer.alloc(5), Buffer.alloc(5)]), 10), sink())).resolves.toBeUndefined();
  });

  it('fails as soon as the streamed bytes pass the limit, and says so once', async () => {
    let told = 0;
    const chunks = (function* () {
      for (let i = 0; i < 1000; i++) yield Buffer.alloc(1024);
    })();
    const source = Readable.from(chunks);
    await expect(pipeline(limitBody(source, 4096, () => told++), sink())).rejects.toThrow(BodyTooLargeError);
    expect(told).toBe(1);
  });
});
