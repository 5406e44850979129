import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, RangeNotSatisfiableError } from '@mcos/common';
import { decodeManifest } from '../storage/multipart-manifest';
import { objectKey, partKey, partName } from '../storage/object-key';
import { TestCluster, type TestAgent } from '../testing/test-cluster';
import { bodyOf, corruptReplica, readAll } from '../testing/test-node';
import { CompleteRejectedError, NoSuchUploadError } from './multipart.errors';
import { multipartOf, TEST_MULTIPART_SETTINGS } from './multipart.testing';
import type { MultipartService } from './multipart.service';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const AT = { account: 'alice', container: 'photos' };
/** S3's multipart ETag, computed here independently of the code under test. */
const s3Etag = (parts: Buffer[]) => `${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}`;

describe('MultipartService over a test cluster (4 services, R=3, W=2, Rq=2)', () => {
  let cluster: TestCluster;
  let agents: Record<string, TestAgent>;
  let at: Record<string, ReturnType<typeof multipartOf>>;
  let sut: MultipartService;

  TestCluster.perTest(
    {
      services: ['a', 'b', 'c', 'd'].map((name) => ({ name })),
      options: [{ name: 'standard', replicas: 3, writeQuorum: 2, readQuorum: 2 }],
    },
    async (created) => {
      cluster = created;
      agents = {};
      at = {};
      for (const name of ['a', 'b', 'c', 'd']) {
        agents[name] = await cluster.agent(name);
        at[name] = multipartOf(cluster, agents[name]);
      }
      sut = at.a.service;
      await agents.a.containers.create(AT.account, AT.container, 'standard');
      await cluster.idle();
    },
  );

  const part = (size: number) => randomBytes(size);
  const upload = (service: MultipartService, name: string, uploadId: string, partNumber: number, data: Buffer) =>
    service.uploadPart({ ...AT, name, uploadId, partNumber, body: bodyOf(data), contentLength: data.length });

  it('uploads parts at different agents, completes at another, and every agent reads the same bytes', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'big.bin', contentType: 'application/x-test', userMetadata: { color: 'red' } });
    const parts = [part(3000), part(2048), part(700)];
    const answers = await Promise.all([upload(at.b.service, 'big.bin', uploadId, 1, parts[0]), upload(at.c.service, 'big.bin', uploadId, 2, parts[1]), upload(at.d.service, 'big.bin', uploadId, 3, parts[2])]);
    expect(answers.map((a) => a.etag)).toEqual(parts.map(md5));
    // Invisible until complete.
    await expect(agents.a.objects.head({ ...AT, name: 'big.bin' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await agents.a.objects.list(AT.account, AT.container, { limit: 10 })).objects).toEqual([]);

    const done = await at.c.service.complete({ ...AT, name: 'big.bin', uploadId }, answers.map((a, i) => ({ partNumber: i + 1, etag: i === 1 ? `"${a.etag}"` : a.etag })));
    expect(done).toMatchObject({ etag: s3Etag(parts), size: 5748, parts: 3 });
    await cluster.idle();

    const whole = Buffer.concat(parts);
    for (const name of ['a', 'b', 'c', 'd']) {
      const read = await agents[name].objects.get({ ...AT, name: 'big.bin' });
      expect(read.version).toMatchObject({ size: whole.length, etag: done.etag, contentType: 'application/x-test', userMeta: { color: 'red' } });
      expect((await readAll(read.body)).equals(whole)).toBe(true);
    }
    const listed = await agents.d.objects.list(AT.account, AT.container, { limit: 10 });
    expect(listed.objects).toEqual([expect.objectContaining({ name: 'big.bin', size: whole.length, etag: done.etag })]);
    // A Complete sent again (its answer was lost) gets the same answer; another list of parts does not.
    await expect(at.a.service.complete({ ...AT, name: 'big.bin', uploadId }, answers.map((a, i) => ({ partNumber: i + 1, etag: a.etag })))).resolves.toEqual(done);
    await expect(at.a.service.complete({ ...AT, name: 'big.bin', uploadId }, [{ partNumber: 1, etag: answers[0].etag }])).rejects.toBeInstanceOf(NoSuchUploadError);
    // The upload is over: no more parts.
    await expect(upload(at.a.service, 'big.bin', uploadId, 4, part(10))).rejects.toBeInstanceOf(NoSuchUploadError);
    await expect(sut.listParts({ ...AT, name: 'big.bin', uploadId }, { limit: 10 })).rejects.toBeInstanceOf(NoSuchUploadError);
  });

  it('serves a range across parts, a suffix range, and one part by number', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'r', userMetadata: {} });
    const parts = [part(1500), part(1500), part(1500)];
    const etags = await Promise.all(parts.map((p, i) => upload(sut, 'r', uploadId, i + 1, p)));
    await sut.complete({ ...AT, name: 'r', uploadId }, etags.map((e, i) => ({ partNumber: i + 1, etag: e.etag })));
    const whole = Buffer.concat(parts);
    const ranged = await agents.b.objects.get({ ...AT, name: 'r', range: { start: 1400, end: 3100 } });
    expect(ranged.range).toEqual({ start: 1400, end: 3100 });
    expect((await readAll(ranged.body)).equals(whole.subarray(1400, 3101))).toBe(true);
    const open = await agents.c.objects.get({ ...AT, name: 'r', range: { start: 4000 } });
    expect((await readAll(open.body)).equals(whole.subarray(4000))).toBe(true);
    const suffix = await agents.c.objects.get({ ...AT, name: 'r', range: { suffix: 10 } });
    expect((await readAll(suffix.body)).equals(whole.subarray(whole.length - 10))).toBe(true);
    const second = await agents.d.objects.get({ ...AT, name: 'r', partNumber: 2 });
    expect(second.partsCount).toBe(3);
    expect(second.range).toEqual({ start: 1500, end: 2999 });
    expect((await readAll(second.body)).equals(parts[1])).toBe(true);
    await expect(agents.d.objects.get({ ...AT, name: 'r', partNumber: 4 })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
    await expect(agents.d.objects.get({ ...AT, name: 'r', range: { start: 4500 } })).rejects.toBeInstanceOf(RangeNotSatisfiableError);
  });

  it('keeps the last upload of a part number (last writer wins) and lists parts in pages', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'p', userMetadata: {} });
    const first = part(2000);
    const again = part(2100);
    await upload(at.b.service, 'p', uploadId, 1, first);
    cluster.clock.advance(5);
    const winner = await upload(at.c.service, 'p', uploadId, 1, again);
    for (let n = 2; n <= 11; n++) await upload(sut, 'p', uploadId, n, part(1024 + n));
    const page1 = await at.d.service.listParts({ ...AT, name: 'p', uploadId }, { limit: 4 });
    expect(page1.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
    expect(page1.parts[0]).toMatchObject({ etag: winner.etag, size: 2100 });
    expect(page1).toMatchObject({ truncated: true, nextPartNumberMarker: 4 });
    const page2 = await at.d.service.listParts({ ...AT, name: 'p', uploadId }, { partNumberMarker: 4, limit: 100 });
    expect(page2.parts.map((p) => p.partNumber)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(page2.truncated).toBe(false);
    // A Complete with the first upload's ETag names a part that is no longer there.
    await expect(sut.complete({ ...AT, name: 'p', uploadId }, [{ partNumber: 1, etag: md5(first) }])).rejects.toMatchObject({ multipart: 'InvalidPart' });
    const done = await sut.complete({ ...AT, name: 'p', uploadId }, [{ partNumber: 1, etag: winner.etag }]);
    const read = await agents.b.objects.get({ ...AT, name: 'p' });
    expect((await readAll(read.body)).equals(again)).toBe(true);
    expect(done.size).toBe(2100);
  });

  it('refuses every bad Complete with the right failure and leaves nothing visible', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'bad', userMetadata: {} });
    const small = await upload(sut, 'bad', uploadId, 1, part(100));
    const big = await upload(sut, 'bad', uploadId, 2, part(2000));
    const address = { ...AT, name: 'bad', uploadId };
    const failure = (e: unknown) => (e as CompleteRejectedError).multipart;
    await expect(sut.complete(address, [{ partNumber: 2, etag: big.etag }, { partNumber: 1, etag: small.etag }]).catch(failure)).resolves.toBe('InvalidPartOrder');
    await expect(sut.complete(address, [{ partNumber: 1, etag: small.etag }, { partNumber: 1, etag: small.etag }]).catch(failure)).resolves.toBe('InvalidPartOrder');
    await expect(sut.complete(address, [{ partNumber: 1, etag: small.etag }, { partNumber: 3, etag: big.etag }]).catch(failure)).resolves.toBe('InvalidPart');
    await expect(sut.complete(address, [{ partNumber: 1, etag: big.etag }]).catch(failure)).resolves.toBe('InvalidPart');
    await expect(sut.complete(address, [{ partNumber: 1, etag: small.etag }, { partNumber: 2, etag: big.etag }]).catch(failure)).resolves.toBe('EntityTooSmall');
    await expect(sut.complete(address, []).catch(failure)).resolves.toBe('InvalidPart');
    await expect(sut.complete({ ...address, uploadId: 'A'.repeat(32) }, [{ partNumber: 1, etag: small.etag }])).rejects.toBeInstanceOf(NoSuchUploadError);
    await expect(sut.complete({ ...address, uploadId: '../../etc' }, [{ partNumber: 1, etag: small.etag }])).rejects.toBeInstanceOf(NoSuchUploadError);
    // The right id with another key is unknown too: ids are bound to their key.
    await expect(sut.complete({ ...address, name: 'other' }, [{ partNumber: 1, etag: small.etag }])).rejects.toBeInstanceOf(NoSuchUploadError);
    await expect(upload(sut, 'bad', uploadId, 0, part(1))).rejects.toThrow(/part number/);
    await expect(upload(sut, 'bad', uploadId, 10_001, part(1))).rejects.toThrow(/part number/);
    await expect(agents.b.objects.head({ ...AT, name: 'bad' })).rejects.toBeInstanceOf(NotFoundError);
    // After all those refusals the same upload still completes (a single part may be of any size).
    const done = await sut.complete(address, [{ partNumber: 1, etag: small.etag }]);
    expect(done).toMatchObject({ parts: 1, size: 100 });
  });

  it('lists open uploads by prefix and delimiter with key and upload-id markers', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['a/1', 'a/2', 'b', 'c/d/e', 'c/x']) ids[name] = (await sut.create({ ...AT, name, userMetadata: {} })).uploadId;
    const all = await at.b.service.listUploads(AT.account, AT.container, { limit: 100 });
    expect(all.uploads.map((u) => [u.name, u.uploadId])).toEqual(['a/1', 'a/2', 'b', 'c/d/e', 'c/x'].map((n) => [n, ids[n]]));
    const rolled = await at.b.service.listUploads(AT.account, AT.container, { delimiter: '/', limit: 100 });
    expect(rolled.uploads.map((u) => u.name)).toEqual(['b']);
    expect(rolled.commonPrefixes).toEqual(['a/', 'c/']);
    const underC = await at.c.service.listUploads(AT.account, AT.container, { prefix: 'c/', delimiter: '/', limit: 100 });
    expect(underC).toMatchObject({ uploads: [expect.objectContaining({ name: 'c/x' })], commonPrefixes: ['c/d/'] });
    const first = await at.c.service.listUploads(AT.account, AT.container, { limit: 2 });
    expect(first).toMatchObject({ truncated: true, nextKeyMarker: 'a/2', nextUploadIdMarker: ids['a/2'] });
    const next = await at.c.service.listUploads(AT.account, AT.container, { keyMarker: first.nextKeyMarker, uploadIdMarker: first.nextUploadIdMarker, limit: 2 });
    expect(next.uploads.map((u) => u.name)).toEqual(['b', 'c/d/e']);
    const page = await at.c.service.listUploads(AT.account, AT.container, { delimiter: '/', limit: 1 });
    expect(page).toMatchObject({ commonPrefixes: ['a/'], truncated: true, nextKeyMarker: 'a/' });
    const after = await at.c.service.listUploads(AT.account, AT.container, { delimiter: '/', keyMarker: 'a/', limit: 10 });
    expect(after.uploads.map((u) => u.name)).toEqual(['b']);
    expect(after.commonPrefixes).toEqual(['c/']);
    await sut.abort({ ...AT, name: 'b', uploadId: ids.b });
    expect((await sut.listUploads(AT.account, AT.container, { limit: 100 })).uploads.map((u) => u.name)).toEqual(['a/1', 'a/2', 'c/d/e', 'c/x']);
  });

  it('copies a part from an object (a range of it) inside the cluster', async () => {
    const source = part(5000);
    await agents.b.objects.put({ ...AT, name: 'src', body: bodyOf(source), contentLength: source.length, userMetadata: {} });
    const { uploadId } = await sut.create({ ...AT, name: 'copy', userMetadata: {} });
    const copied = await at.c.service.uploadPartCopy({ ...AT, name: 'copy', uploadId, partNumber: 1, source: { ...AT, name: 'src', range: { start: 1000, end: 2999 } } });
    expect(copied).toMatchObject({ size: 2000, etag: md5(source.subarray(1000, 3000)) });
    const rest = await at.d.service.uploadPartCopy({ ...AT, name: 'copy', uploadId, partNumber: 2, source: { ...AT, name: 'src' } });
    await sut.complete({ ...AT, name: 'copy', uploadId }, [{ partNumber: 1, etag: copied.etag }, { partNumber: 2, etag: rest.etag }]);
    const read = await agents.a.objects.get({ ...AT, name: 'copy' });
    expect((await readAll(read.body)).equals(Buffer.concat([source.subarray(1000, 3000), source]))).toBe(true);
  });

  it('stats a multipart object with its parts and where their replicas are', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 's', userMetadata: {} });
    const p1 = await upload(sut, 's', uploadId, 1, part(1100));
    const p2 = await upload(sut, 's', uploadId, 2, part(50));
    const done = await sut.complete({ ...AT, name: 's', uploadId }, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }]);
    await cluster.idle();
    const stat = await agents.b.objects.stat({ ...AT, name: 's' });
    expect(stat).toMatchObject({ size: 1150, etag: done.etag, state: 'CREATED' });
    expect(stat.parts?.map((p) => [p.partNumber, p.size, p.etag, p.state])).toEqual([
      [1, 1100, p1.etag, 'CREATED'],
      [2, 50, p2.etag, 'CREATED'],
    ]);
    for (const p of stat.parts!) expect(p.replicas.filter((r) => r.state === 'current')).toHaveLength(3);
  });

  it('audits part replicas like any replica: a corrupt one is found and restored, and reads skip it', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'audited', userMetadata: {} });
    const parts = [part(1200), part(900)];
    const sent = await Promise.all(parts.map((p, i) => upload(sut, 'audited', uploadId, i + 1, p)));
    await sut.complete({ ...AT, name: 'audited', uploadId }, sent.map((s, i) => ({ partNumber: i + 1, etag: s.etag })));
    await cluster.idle();
    const holderOf = (n: number) => ['a', 'b', 'c', 'd'].find((name) => agents[name].node.index.scan('p/', 100).some((e) => e.key.endsWith(`/0000${n}`)))!;
    const partBytesOn = async (name: string, n: number) => readAll((await agents[name].node.local.read(partKey({ ...AT, name: 'audited', uploadId, partNumber: n })))!.body);
    // The auditor of a holder finds its corrupt part replica and restores it from another holder.
    const first = holderOf(1);
    corruptReplica(agents[first].node, parts[0].subarray(0, 64));
    expect(md5(await partBytesOn(first, 1))).not.toBe(md5(parts[0]));
    expect(await agents[first].auditor.runPass()).toMatchObject({ corrupt: 1, repaired: 1 });
    expect((await partBytesOn(first, 1)).equals(parts[0])).toBe(true);
    // Reads verify each whole part: a corrupt replica is never served.
    const second = holderOf(2);
    corruptReplica(agents[second].node, parts[1].subarray(0, 64));
    for (const name of ['a', 'b', 'c', 'd']) {
      const read = await agents[name].objects.get({ ...AT, name: 'audited' });
      expect((await readAll(read.body)).equals(Buffer.concat(parts))).toBe(true);
    }
    // The read path reported the corrupt replica; its repair runs in the background (quarantine, drop, restore).
    const deadline = Date.now() + 10_000;
    for (;;) {
      await cluster.idle();
      const held = await agents[second].node.local.read(partKey({ ...AT, name: 'audited', uploadId, partNumber: 2 }));
      if (held && (await readAll(held.body)).equals(parts[1])) break;
      if (Date.now() > deadline) throw new Error('the corrupt part replica was not restored in time');
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await agents[second].auditor.runPass()).toMatchObject({ corrupt: 0 });
  });

  it('places each part by the ring on its own: the parts of one object spread over the services', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'spread', userMetadata: {} });
    const primaries = new Set<string>();
    for (let n = 1; n <= 12; n++) {
      const placement = agents.a.placement.forObject(AT.account, AT.container, partName({ ...AT, name: 'spread', uploadId, partNumber: n }), 'standard');
      placement.primaries.forEach((s) => primaries.add(s));
    }
    // R = 3 of 4 services: a single placement for all parts would name only 3.
    expect(primaries.size).toBe(4);
  });

  it('writes parts past a service that is down, and repair brings every part to its full replica count', async () => {
    const { uploadId } = await sut.create({ ...AT, name: 'degraded', userMetadata: {} });
    cluster.peers.setFaults('d', { down: true });
    const parts = [part(1500), part(1500), part(1500), part(10)];
    const sent = await Promise.all(parts.map((p, i) => upload(i % 2 ? at.b.service : sut, 'degraded', uploadId, i + 1, p)));
    const done = await sut.complete({ ...AT, name: 'degraded', uploadId }, sent.map((s, i) => ({ partNumber: i + 1, etag: s.etag })));
    await cluster.idle();
    cluster.peers.setFaults('d', {});
    // d answers again; each agent's own probe would see it, as PeerHealth.recordSuccess says.
    for (const name of ['a', 'b', 'c']) agents[name].health.recordSuccess('d');
    for (let pass = 0; pass < 2; pass++) {
      for (const name of ['a', 'b', 'c']) await agents[name].replicator.runPass();
      await cluster.idle();
    }
    const stat = await agents.d.objects.stat({ ...AT, name: 'degraded' });
    expect(stat.etag).toBe(done.etag);
    for (const p of stat.parts!) expect(p.replicas.filter((r) => r.role === 'primary' && r.state === 'current')).toHaveLength(3);
    const read = await agents.d.objects.get({ ...AT, name: 'degraded' });
    expect((await readAll(read.body)).equals(Buffer.concat(parts))).toBe(true);
  });

  describe('GC and expiry', () => {
    const partKeysOn = (name: string) => agents[name].node.index.scan('p/', 10_000).filter((e) => e.key.startsWith('p/'));
    const liveParts = () => ['a', 'b', 'c', 'd'].flatMap((n) => partKeysOn(n).filter((e) => !e.deleted).map((e) => `${n}:${e.key}`));
    const runGc = async () => {
      for (const name of ['a', 'b', 'c', 'd']) await at[name].gc.runGcPass();
      await cluster.idle();
    };

    it('never removes a part a live manifest or an open upload references, and removes the rest after the grace period', async () => {
      const kept = await sut.create({ ...AT, name: 'kept', userMetadata: {} });
      const k1 = await upload(sut, 'kept', kept.uploadId, 1, part(1500));
      const k2 = await upload(at.b.service, 'kept', kept.uploadId, 2, part(10));
      // Uploaded but not named by the Complete: an orphan once the upload ends.
      await upload(at.b.service, 'kept', kept.uploadId, 3, part(10));
      await sut.complete({ ...AT, name: 'kept', uploadId: kept.uploadId }, [{ partNumber: 1, etag: k1.etag }, { partNumber: 2, etag: k2.etag }]);
      const open = await sut.create({ ...AT, name: 'open', userMetadata: {} });
      await upload(sut, 'open', open.uploadId, 1, part(10));
      const aborted = await sut.create({ ...AT, name: 'aborted', userMetadata: {} });
      await upload(at.c.service, 'aborted', aborted.uploadId, 1, part(10));
      await sut.abort({ ...AT, name: 'aborted', uploadId: aborted.uploadId });
      await cluster.idle();
      const before = liveParts();
      // Within the grace period nothing goes, not even the aborted upload's part.
      await runGc();
      expect(liveParts()).toEqual(before);

      cluster.clock.advance(TEST_MULTIPART_SETTINGS.gcGraceMs + 1);
      await runGc();
      const left = liveParts();
      expect(left.filter((k) => k.includes('/kept/'))).toHaveLength(6); // parts 1 and 2, three replicas each
      expect(left.filter((k) => k.includes('/kept/') && k.endsWith('/00003'))).toEqual([]);
      expect(left.filter((k) => k.includes('/open/'))).toHaveLength(3);
      expect(left.filter((k) => k.includes('/aborted/'))).toEqual([]);
      const read = await agents.d.objects.get({ ...AT, name: 'kept' });
      expect((await readAll(read.body)).length).toBe(1510);
    });

    it('checks a bounded number of parts per pass and goes on where it stopped', async () => {
      const { uploadId } = await sut.create({ ...AT, name: 'many', userMetadata: {} });
      // 12 parts, each decided by exactly one agent (its first home): 4 agents x 2 per pass cannot take them all at once.
      for (let n = 1; n <= 12; n++) await upload(sut, 'many', uploadId, n, part(10));
      await sut.abort({ ...AT, name: 'many', uploadId });
      await cluster.idle();
      cluster.clock.advance(TEST_MULTIPART_SETTINGS.gcGraceMs + 1);
      const small = Object.fromEntries(['a', 'b', 'c', 'd'].map((n) => [n, multipartOf(cluster, agents[n], { ...TEST_MULTIPART_SETTINGS, gcPartsPerPass: 2 })]));
      const first = await Promise.all(['a', 'b', 'c', 'd'].map((n) => small[n].gc.runGcPass()));
      await cluster.idle();
      expect(first.every((r) => r.scanned <= 2)).toBe(true);
      expect(liveParts().length).toBeGreaterThan(0);
      for (let pass = 0; pass < 12 && liveParts().length > 0; pass++) {
        for (const n of ['a', 'b', 'c', 'd']) await small[n].gc.runGcPass();
        await cluster.idle();
      }
      expect(liveParts()).toEqual([]);
    });

    it('frees the parts of an overwritten and of a deleted multipart object', async () => {
      for (const name of ['over', 'gone']) {
        const { uploadId } = await sut.create({ ...AT, name, userMetadata: {} });
        const p = await upload(sut, name, uploadId, 1, part(100));
        await sut.complete({ ...AT, name, uploadId }, [{ partNumber: 1, etag: p.etag }]);
      }
      // Each agent has its own hybrid clock over the one manual wall clock: move it so the later writes are newer.
      cluster.clock.advance(5);
      await agents.b.objects.put({ ...AT, name: 'over', body: bodyOf('plain now'), contentLength: 9, userMetadata: {} });
      await agents.c.objects.delete({ ...AT, name: 'gone' });
      await cluster.idle();
      cluster.clock.advance(TEST_MULTIPART_SETTINGS.gcGraceMs + 1);
      await runGc();
      expect(liveParts()).toEqual([]);
      const read = await agents.a.objects.get({ ...AT, name: 'over' });
      expect((await readAll(read.body)).toString()).toBe('plain now');
    });

    it('aborts uploads open longer than abandonAfterHours; the GC then takes their parts', async () => {
      const { uploadId } = await sut.create({ ...AT, name: 'old', userMetadata: {} });
      await upload(sut, 'old', uploadId, 1, part(10));
      cluster.clock.advance(TEST_MULTIPART_SETTINGS.abandonAfterMs - 1000);
      const young = await sut.create({ ...AT, name: 'young', userMetadata: {} });
      cluster.clock.advance(2000);
      let aborted = 0;
      for (const name of ['a', 'b', 'c', 'd']) aborted += (await at[name].gc.runExpiryPass()).aborted;
      expect(aborted).toBe(1);
      await expect(sut.listParts({ ...AT, name: 'old', uploadId }, { limit: 10 })).rejects.toBeInstanceOf(NoSuchUploadError);
      await expect(sut.listParts({ ...AT, name: 'young', uploadId: young.uploadId }, { limit: 10 })).resolves.toMatchObject({ parts: [] });
      cluster.clock.advance(TEST_MULTIPART_SETTINGS.gcGraceMs + 1);
      await runGc();
      expect(liveParts()).toEqual([]);
    });

    it('keeps the parts of a Complete that raced an Abort and won', async () => {
      const { uploadId } = await sut.create({ ...AT, name: 'race', userMetadata: {} });
      const p = await upload(sut, 'race', uploadId, 1, part(100));
      await sut.complete({ ...AT, name: 'race', uploadId }, [{ partNumber: 1, etag: p.etag }]);
      // The Abort arrives after the manifest: the upload is already over.
      await expect(at.b.service.abort({ ...AT, name: 'race', uploadId })).rejects.toBeInstanceOf(NoSuchUploadError);
      cluster.clock.advance(TEST_MULTIPART_SETTINGS.gcGraceMs + 1);
      await runGc();
      expect(liveParts()).toHaveLength(3);
      const got = await agents.c.store.read(objectKey({ ...AT, name: 'race' }), agents.c.placement.forObject(AT.account, AT.container, 'race', 'standard').read);
      expect(decodeManifest(await readAll(got!.body)).parts).toHaveLength(1);
    });
  });
});
