import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';

import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';

import { startAzurite, type AzuriteHandle } from './testing/servers';
import { AzureBackend, decodeName, encodeName, type AzureBackendOptions } from './azure.backend';
import { BackendUnavailableError, InvalidKeyError, ObjectNotFoundError, PreconditionFailedError } from './backend.errors';
import { compareKeys } from './backend-rules';
import { describeBackendConformance } from './testing/backend-conformance';
import { bodyOf, failingBody, generatedBody, md5Of, readAll } from './testing/test-bodies';

const MIB = 1024 * 1024;

function optionsFor(server: AzuriteHandle, container: string, extra: Partial<AzureBackendOptions> = {}): AzureBackendOptions {
  return { endpoint: server.endpoint, accountName: server.accountName, accountKey: server.accountKey, container, ...extra };
}

let shared: Promise<AzuriteHandle> | undefined;
function acquireAzurite(): Promise<AzuriteHandle> {
  shared ??= startAzurite({ containers: ['conformance', 'unit'] });
  return shared;
}
afterAll(async () => {
  if (shared) await (await shared).stop();
}, 30_000);

describeBackendConformance('azure (Azurite)', async () => {
  const server = await acquireAzurite();
  // Small blocks, so the 5 MiB and 50 MiB cases go through staged blocks + commit.
  const backend = new AzureBackend(optionsFor(server, 'conformance', { singlePutMaxBytes: MIB, blockSize: 4 * MIB }));
  return { backend, teardown: () => backend.close() };
});

describe('AzureBackend', () => {
  let server: AzuriteHandle;
  let raw: ContainerClient;
  let sut: AzureBackend;

  beforeAll(async () => {
    server = await acquireAzurite();
    raw = new BlobServiceClient(server.endpoint, new StorageSharedKeyCredential(server.accountName, server.accountKey)).getContainerClient('unit');
    sut = new AzureBackend(optionsFor(server, 'unit', { prefix: 'node-a/', singlePutMaxBytes: MIB, blockSize: MIB }));
  }, 60_000);

  afterAll(async () => {
    await sut?.close();
  });

  const rawNames = async (prefix: string) => {
    const out: string[] = [];
    for await (const b of raw.listBlobsFlat({ prefix })) out.push(b.name);
    return out;
  };

  it('encodes names reversibly, keeping their order, with no dot segment, trailing dot or backslash left', () => {
    const keys = ['a', 'a[b', 'a\\b', 'a]b', 'a/../b', 'a/./b', 'x.', 'x..', 'x.y', '...', '[0', '[2', 'a/b.', 'Z', ' ', '~', 'é', '😀'];
    for (const k of keys) {
      const name = encodeName(k);
      expect(name).not.toMatch(/(^|\/)\.\.?(\/|$)|\.(\/|$)|\\/);
      expect(decodeName(name)).toBe(k);
    }
    const noDots = keys.filter((k) => !/\.(\/|$)/.test(k));
    expect(noDots.map(encodeName).sort()).toEqual([...noDots].sort(compareKeys).map(encodeName));
    expect(decodeName('a[9')).toBeUndefined();
  });

  it('stores metadata as C#-identifier names with ASCII values, the MD5 included', async () => {
    await sut.put('meta/raw', bodyOf('payload'), { contentType: 'text/x', userMeta: { 'my-note': 'ça va 100%', empty: '' }, systemMeta: { ts: '42' } });
    const props = await raw.getBlockBlobClient('node-a/meta/raw').getProperties();
    expect(props.contentType).toBe('text/x');
    expect(props.metadata).toEqual({ mcos_md5: md5Of('payload'), u_my_note: '%C3%A7a%20va%20100%25', u_empty: '%', s_ts: '42' });
    expect(Buffer.from(props.contentMD5 as Uint8Array).toString('hex')).toBe(md5Of('payload'));
    expect(await sut.head('meta/raw')).toMatchObject({ userMeta: { 'my-note': 'ça va 100%', empty: '' }, systemMeta: { ts: '42' } });
  });

  it('fits the largest metadata the common rules allow, even all non-ASCII (Azure allows 8 KiB encoded)', async () => {
    const userMeta = { v: '😀'.repeat(400), w: 'é'.repeat(200) };
    await sut.put('meta/big', bodyOf('x'), { userMeta, systemMeta: Object.fromEntries(Array.from({ length: 37 }, (_, i) => [i.toString(36).padStart(1, '-'), ''])) });
    expect((await sut.head('meta/big')).userMeta).toEqual(userMeta);
  });

  it('keeps keys with dot segments, backslashes and brackets as they are', async () => {
    const keys = ['odd/a/../b', 'odd/./c', 'odd/back\\slash', 'odd/[x]', 'odd/trailing.', 'odd/..'];
    for (const k of keys) await sut.put(k, bodyOf(k), {});
    for (const k of keys) expect((await readAll((await sut.get(k)).body)).toString()).toBe(k);
    expect((await sut.list({ prefix: 'odd/' })).items.map((i) => i.key).sort()).toEqual([...keys].sort());
    expect((await sut.list({ prefix: 'odd/.' })).items.map((i) => i.key).sort()).toEqual(['odd/..', 'odd/./c'].sort());
    expect(await rawNames('node-a/odd/')).toHaveLength(keys.length);
  });

  it('a key whose encoded name is over 1024 characters is InvalidKeyError', async () => {
    await expect(sut.put(`${'['.repeat(600)}`, bodyOf('x'), {})).rejects.toBeInstanceOf(InvalidKeyError);
  });

  it('a large put stages blocks and commits once; a failed body commits nothing', async () => {
    const gen = generatedBody(3 * MIB + 5);
    expect((await sut.put('big/ok', gen.body, {})).etag).toBe(gen.md5());
    const blocks = await raw.getBlockBlobClient('node-a/big/ok').getBlockList('all');
    expect(blocks.committedBlocks).toHaveLength(4);
    expect(blocks.uncommittedBlocks ?? []).toHaveLength(0);
    await expect(sut.put('big/fail', failingBody(2 * MIB + 1), {})).rejects.toMatchObject({ code: 'BODY_STREAM_ERROR' });
    await expect(sut.head('big/fail')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await rawNames('node-a/big/')).toEqual(['node-a/big/ok']);
  });

  it('create-only: a blob created by someone else while the blocks upload makes the commit fail', async () => {
    async function* racingBody() {
      yield Buffer.alloc(MIB + 10, 1);
      // Another writer creates the key after the HEAD check, while this body is still flowing.
      await raw.getBlockBlobClient('node-a/big/race').upload('other', 5);
      yield Buffer.alloc(MIB, 2);
    }
    await expect(sut.put('big/race', Readable.from(racingBody()), {}, { ifNoneMatch: true })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await sut.head('big/race')).size).toBe(5);
  });

  it('paginates with the key marker: remembered continuation, and a cold marker by scanning', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `pg/${String(i).padStart(2, '0')}`);
    for (const k of keys) await sut.put(k, bodyOf(k), {});
    const seen: string[] = [];
    for (let marker: string | undefined; ; ) {
      const page = await sut.list({ prefix: 'pg/', limit: 4, marker });
      seen.push(...page.items.map((i) => i.key));
      if (!page.truncated) break;
      marker = page.nextMarker;
    }
    expect(seen).toEqual(keys);
    const cold = new AzureBackend(optionsFor(server, 'unit', { prefix: 'node-a/' }));
    const first = await cold.list({ prefix: 'pg/', marker: 'pg/17', limit: 5 });
    expect(first.items.map((i) => i.key)).toEqual(keys.slice(18, 23));
    const second = await cold.list({ prefix: 'pg/', marker: first.nextMarker, limit: 100 });
    expect(second.items.map((i) => i.key)).toEqual(keys.slice(23));
    await cold.close();
  });

  it('lists metadata straight from the listing (no HEAD per item)', async () => {
    await sut.put('lm/one', bodyOf('1'), { userMeta: { a: 'b' }, systemMeta: { ts: '9' } });
    const [item] = (await sut.list({ prefix: 'lm/' })).items;
    expect(item).toMatchObject({ key: 'lm/one', size: 1, etag: md5Of('1'), userMeta: { a: 'b' }, systemMeta: { ts: '9' } });
  });

  it('ignores blobs it did not write, and reports foreign ones with their Content-MD5', async () => {
    await raw.getBlockBlobClient('node-a/foreign').upload('abc', 3);
    await raw.getBlockBlobClient('node-a/bad[name').upload('abc', 3);
    expect(await sut.head('foreign')).toMatchObject({ size: 3, etag: md5Of('abc'), userMeta: {}, systemMeta: {} });
    const keys = (await sut.list()).items.map((i) => i.key);
    expect(keys).toContain('foreign');
    expect(keys.some((k) => k.startsWith('bad'))).toBe(false);
  });

  it('a missing container, bad credentials and an unreachable endpoint are BackendUnavailableError', async () => {
    const missing = new AzureBackend(optionsFor(server, 'does-not-exist', { maxTries: 1 }));
    await expect(missing.put('k', bodyOf('x'), {})).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(missing.list()).rejects.toBeInstanceOf(BackendUnavailableError);
    const badKey = new AzureBackend(optionsFor(server, 'unit', { accountKey: Buffer.from('wrong key').toString('base64'), maxTries: 1 }));
    await expect(badKey.list()).rejects.toBeInstanceOf(BackendUnavailableError);
    const down = new AzureBackend({ ...optionsFor(server, 'unit'), endpoint: 'http://127.0.0.1:1/devstoreaccount1', maxTries: 1 });
    await expect(down.head('k')).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(down.put('k', bodyOf('x'), {})).rejects.toBeInstanceOf(BackendUnavailableError);
  });

  it('connects with a connection string too; describe shows no secret', async () => {
    const viaString = new AzureBackend({ connectionString: server.connectionString, container: 'unit', prefix: 'node-a/' });
    expect((await viaString.head('meta/raw')).etag).toBe(md5Of('payload'));
    expect(viaString.describe()).toBe(`azure:${server.endpoint}/unit/node-a/`);
    expect(viaString.describe()).not.toContain(server.accountKey);
    expect(await viaString.capacity()).toEqual({});
  });
});
