import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';

import { BodyStreamError } from './backend.errors';
import { BodyReader, sliceStream } from './body-reader';
import { md5Of, readAll } from './testing/test-bodies';

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('BodyReader', () => {
  it('counts and hashes what passes through', async () => {
    const sut = new BodyReader(chunks('hello ', 'world'));
    const seen: Buffer[] = [];
    for await (const c of sut.chunks()) seen.push(c);
    expect(Buffer.concat(seen).toString()).toBe('hello world');
    expect(sut.bytes).toBe(11);
    expect(sut.etag()).toBe(md5Of('hello world'));
    expect(sut.etag()).toBe(md5Of('hello world')); // asked again: the same digest
  });

  it('records a known MD5 instead of hashing, once the body has ended', async () => {
    // Not the MD5 of these bytes: proves the reader takes the caller's digest rather than computing one.
    const given = md5Of('something else');
    let settle!: (md5: string) => void;
    const known = new Promise<string>((resolve) => (settle = resolve));
    const sut = new BodyReader(chunks('hello'), 5, known);
    const iteration = readAll(Readable.from(sut.chunks()));
    setTimeout(() => settle(given), 20);
    await expect(iteration).resolves.toEqual(Buffer.from('hello'));
    expect(sut.etag()).toBe(given);
  });

  it('fails the body when the known MD5 is rejected or malformed', async () => {
    const rejected = new BodyReader(chunks('x'), 1, Promise.reject(new Error('client went away')));
    await expect(readAll(Readable.from(rejected.chunks()))).rejects.toBeInstanceOf(BodyStreamError);
    const malformed = new BodyReader(chunks('x'), 1, Promise.resolve('NOT-A-DIGEST'));
    await expect(readAll(Readable.from(malformed.chunks()))).rejects.toBeInstanceOf(BodyStreamError);
  });

  it('wraps a failure of the body, not one of the consumer', async () => {
    const failing = new BodyReader(
      Readable.from(
        (async function* () {
          yield Buffer.from('x');
          throw new Error('socket closed');
        })(),
      ),
    );
    await expect(readAll(Readable.from(failing.chunks()))).rejects.toBeInstanceOf(BodyStreamError);

    const body = chunks('a', 'b', 'c');
    const consumer = new BodyReader(body);
    const own = new Error('disk full');
    await expect(
      (async () => {
        for await (const _ of consumer.chunks()) throw own;
      })(),
    ).rejects.toBe(own);
    expect(body.destroyed).toBe(true);
  });

  it('checks the announced size', async () => {
    await expect(readAll(Readable.from(new BodyReader(chunks('abc'), 4).chunks()))).rejects.toThrow(/ended after 3 bytes/);
    await expect(readAll(Readable.from(new BodyReader(chunks('ab', 'cde'), 4).chunks()))).rejects.toThrow(/longer than the announced 4/);
  });
});

describe('sliceStream', () => {
  it.each([
    [0, 10, '0123456789'],
    [3, 4, '3456'],
    [9, 1, '9'],
    [2, 0, ''],
  ])('skip %i, take %i across chunk boundaries', async (skip, length, expected) => {
    const source = chunks('012', '3', '456', '789');
    expect((await readAll(sliceStream(source, skip, length))).toString()).toBe(expected);
  });
});
