import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBackend } from '@mcos/backends';
import { formatTimestamp } from '../clock/timestamp';
import { AgentIdentity } from '../config/agent-identity';
import { IndexRebuilder } from '../index/index-rebuilder';
import { ObjectIndexRepository } from '../index/object-index.repository';
import type { OutgoingVersion } from '../storage/replica-version';
import { LocalReplicaTarget } from './local-replica.target';

const ts = (ms: number) => formatTimestamp({ ms, counter: 0, serviceId: 'a' });
const version = (ms: number, extra: Partial<OutgoingVersion> = {}): OutgoingVersion => ({
  timestamp: ts(ms),
  deleted: false,
  option: 'standard',
  userMeta: { color: 'blue' },
  contentType: 'text/plain',
  ...extra,
});
const body = (s: string) => Readable.from([Buffer.from(s)], { objectMode: false });
const KEY = 'o/alice/photos/2024/a b.txt';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('LocalReplicaTarget on a real fs backend', () => {
  let dir: string;
  let backend: FsBackend;
  let index: ObjectIndexRepository;
  let sut: LocalReplicaTarget;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-local-'));
    backend = new FsBackend({ root: join(dir, 'objects') });
    index = new ObjectIndexRepository(join(dir, 'index.sqlite'));
    sut = new LocalReplicaTarget(new AgentIdentity('a', 'r1', 'http://127.0.0.1:1'), backend, index);
  });

  afterEach(async () => {
    index.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records the caller's MD5 of the body instead of hashing it again", async () => {
    const md5 = '0123456789abcdef0123456789abcdef';
    const r = await sut.write(KEY, { ...version(10), size: 5 }, body('hello'), Promise.resolve(md5));
    expect(r.held.etag).toBe(md5);
    expect((await backend.head(KEY)).etag).toBe(md5);
    expect(index.get(KEY)?.etag).toBe(md5);
  });

  it('stores a version with its metadata and indexes it', async () => {
    const r = await sut.write(KEY, version(10), body('hello'));
    expect(r.applied).toBe(true);
    expect(r.held).toMatchObject({ timestamp: ts(10), size: 5, contentType: 'text/plain', userMeta: { color: 'blue' } });
    const got = await sut.read(KEY);
    expect(await text(got!.body)).toBe('hello');
    expect(index.listObjects('alice', 'photos', { limit: 10 }).map((e) => e.name)).toEqual(['2024/a b.txt']);
  });

  it('never replaces a version with an older or equal one (last writer wins)', async () => {
    await sut.write(KEY, version(20), body('new'));
    const older = await sut.write(KEY, version(10), body('old'));
    expect(older.applied).toBe(false);
    expect(older.held.timestamp).toBe(ts(20));
    expect(await text((await sut.read(KEY))!.body)).toBe('new');
  });

  it('keeps a tombstone that an older write cannot undo', async () => {
    await sut.write(KEY, version(10), body('data'));
    await sut.write(KEY, version(30, { deleted: true }), body(''));
    expect((await sut.write(KEY, version(20), body('resurrected?'))).applied).toBe(false);
    expect((await sut.stat(KEY))?.deleted).toBe(true);
  });

  it('drops only the exact version it is asked to', async () => {
    await sut.write(KEY, version(10), body('v'));
    expect(await sut.drop(KEY, ts(9))).toBe(false);
    expect(await sut.drop(KEY, ts(10))).toBe(true);
    expect(await sut.stat(KEY)).toBeUndefined();
    expect(await sut.read(KEY)).toBeUndefined();
  });

  it('serialises concurrent writes of one key: the newest wins whatever the arrival order', async () => {
    await Promise.all([5, 3, 9, 1, 7].map((ms) => sut.write(KEY, version(ms), body(`v${ms}`))));
    expect(await text((await sut.read(KEY))!.body)).toBe('v9');
  });

  it('rebuilds a lost index from a scan of the backend', async () => {
    await sut.write(KEY, version(10), body('a'));
    await sut.write('o/alice/photos/z', version(11, { deleted: true }), body(''));
    await sut.write('c/alice/photos', version(12), body(''));
    index.close();
    rmSync(join(dir, 'index.sqlite'));
    index = new ObjectIndexRepository(join(dir, 'index.sqlite'));
    await new IndexRebuilder(backend, index).ensure();
    expect(index.scan('', 10).map((e) => [e.key, e.deleted])).toEqual([
      ['c/alice/photos', false],
      [KEY, false],
      ['o/alice/photos/z', true],
    ]);
  });
});
