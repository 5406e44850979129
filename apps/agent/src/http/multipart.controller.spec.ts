import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import type { Request } from 'express';
import { BadRequestError, PayloadTooLargeError } from '@mcos/common';
import { NoSuchUploadError } from '../multipart/multipart.errors';
import { checkPartNumber, checkUploadId, parseCompleteBody, readBody, uploadNameFromUrl } from './multipart.controller';

function request(body: Buffer[], headers: Record<string, string> = {}): Request {
  return Object.assign(Readable.from(body), { headers }) as unknown as Request;
}

describe('the /v1 upload routes: input checks', () => {
  it('read the object name from the raw path, slashes and escapes kept, the query left out', () => {
    expect(uploadNameFromUrl('/v1/containers/c/uploads/a/b%2Fc%20d.bin?uploadId=x')).toBe('a/b/c d.bin');
    expect(uploadNameFromUrl('/v1/containers/uploads/uploads/x')).toBe('x');
    expect(() => uploadNameFromUrl('/v1/containers/c/uploads/%E0%A4%A')).toThrow(BadRequestError);
  });

  it('part numbers are 1..10000 written as digits only', () => {
    expect(checkPartNumber('1')).toBe(1);
    expect(checkPartNumber('10000')).toBe(10000);
    for (const bad of [undefined, '0', '10001', '1.5', '-1', '1e3', ' 2', '0x10', '']) expect(() => checkPartNumber(bad)).toThrow(BadRequestError);
  });

  it('an upload id that cannot be one is an unknown upload (404), a missing one a bad request', () => {
    expect(checkUploadId('A'.repeat(32))).toBe('A'.repeat(32));
    expect(() => checkUploadId('../../etc')).toThrow(NoSuchUploadError);
    expect(() => checkUploadId(undefined)).toThrow(BadRequestError);
  });

  it('a Complete body lists 1..10000 parts of {partNumber, etag}; anything else is 400', () => {
    expect(parseCompleteBody(Buffer.from('{"parts":[{"partNumber":1,"etag":"\\"abc\\""},{"partNumber":2,"etag":"def"}]}'))).toEqual([
      { partNumber: 1, etag: '"abc"' },
      { partNumber: 2, etag: 'def' },
    ]);
    for (const bad of ['', 'null', '[]', '{"parts":[]}', '{"parts":[{"partNumber":"1","etag":"x"}]}', '{"parts":[{"partNumber":1}]}', `{"parts":[{"partNumber":1,"etag":"${'e'.repeat(81)}"}]}`, '{"parts":{}}']) {
      expect(() => parseCompleteBody(Buffer.from(bad))).toThrow(BadRequestError);
    }
    const many = JSON.stringify({ parts: Array.from({ length: 10_001 }, (_, i) => ({ partNumber: i + 1, etag: 'e' })) });
    expect(() => parseCompleteBody(Buffer.from(many))).toThrow(/1 to 10000 parts/);
  });

  it('a body over the limit is refused from its Content-Length before reading, or as soon as it passes the limit', async () => {
    expect((await readBody(request([Buffer.from('ab'), Buffer.from('c')]), 3)).toString()).toBe('abc');
    let read = false;
    const declared = Object.assign(new Readable({ read: () => (read = true) }), { headers: { 'content-length': '4' } }) as unknown as Request;
    await expect(readBody(declared, 3)).rejects.toThrow(PayloadTooLargeError);
    expect(read).toBe(false);
    await expect(readBody(request([Buffer.from('ab'), Buffer.from('cd')]), 3)).rejects.toThrow(PayloadTooLargeError);
  });
});
