/**
 * Issue 15, tests: multipart uploads with real clients against one cluster
 * started as `npm start` starts it (controller + 3 agents, each an S3
 * endpoint; the launcher restarts an agent that dies). Debian's aws v2,
 * s3cmd and rclone by full path in private homes, @aws-sdk/lib-storage, and
 * `mcos`. Big files come from a deterministic generator written in 8 MiB
 * chunks and are compared by hash, never held in memory. The slow cases
 * (1 GiB up and down, an agent killed mid-upload) run once.
 *
 * Orphan checks read each agent's fs backend directory: what the backend
 * itself would list, not what the agents say.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectStat, ReplicaReport } from '@mcos/common';
import { REPO_ROOT, UserClient, waitFor } from './support';
import { added, backendFiles, bytesAt, fileSha256, generateFile, GeneratedFile, GiB, md5Binary, MiB, multipartEtag } from './support/multipart-files';
import { MultipartCluster } from './support/multipart-cluster';
import { ClientHome, clientInstalled, logVersion, md5Hex, S3_CLIENTS, sha256Hex } from './support/s3-clients';

jest.setTimeout(600_000);

/** A missing client fails the suite under CI and skips it (saying why) elsewhere. */
function withClient(binary: string): jest.Describe {
  if (clientInstalled(binary) || process.env.CI) return describe;
  process.stderr.write(`skipped: ${binary} is not installed (apt-get install awscli s3cmd rclone; under CI this fails)\n`);
  return describe.skip;
}

function sdk(endpoint: string, key: { accessKeyId: string; secretAccessKey: string }, maxAttempts = 3): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: key, maxAttempts });
}

async function s3Code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof S3ServiceException) return error.name;
    throw error;
  }
}

/** A multipart object's stat: the object's replicas and each part's (issue 15: "Stat shows the parts and where their replicas are"). */
interface PartStat {
  partNumber: number;
  size: number;
  replicas: ReplicaReport[];
}
type MultipartStat = ObjectStat & { parts?: PartStat[] };

function primariesCurrent(replicas: ReplicaReport[]): number {
  return replicas.filter((r) => r.role === 'primary' && r.state === 'current').length;
}

describe('multipart uploads with real clients (issue 15)', () => {
  let cluster: MultipartCluster;
  let home: ClientHome;
  let user: UserClient;
  const s3: S3Client[] = [];

  beforeAll(async () => {
    // Parts nothing references are tombstoned 10 s after their upload ended, checked every second (production: 900 s, 60 s),
    // and the replicator reclaims tombstones after 5 s (production: 7 days), so a freed part leaves the backend's listing.
    cluster = await MultipartCluster.start({
      agentConfig: { multipart: { gcIntervalMs: 1_000, gcGraceSeconds: 10 }, replication: { intervalMs: 1_000, tombstoneRetentionSeconds: 5 } },
    });
    home = new ClientHome(join(cluster.dir, 'home'), cluster.adminKey);
    user = await UserClient.login(cluster.url(1), cluster.ready.admin.username, cluster.ready.admin.password);
    for (let i = 0; i < cluster.agentCount; i++) s3.push(sdk(cluster.s3Url(i), cluster.adminKey));
    await s3[0].send(new CreateBucketCommand({ Bucket: 'mpu' }));
  });

  // Which case is running, with the time (jest prints results only once the file ends).
  beforeEach(() => void process.stdout.write(`${new Date().toISOString()} ${expect.getState().currentTestName}\n`));

  afterAll(async () => {
    for (const client of s3) client.destroy();
    await cluster?.stop();
  });

  /** `mcos` as a user runs it, logged in at agent i (its own config dir). */
  function mcos(agent: number, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const configDir = join(cluster.dir, `cli-${agent}`);
    const run = (a: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(REPO_ROOT, 'bin', 'mcos.js'), ...a], { cwd: home.dir, env: { PATH: process.env.PATH, MCOS_CLI_CONFIG_DIR: configDir, MCOS_PASSWORD: cluster.ready.admin.password }, timeout: 300_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 255) : 0, stdout, stderr }),
        );
      });
    return run(['login', cluster.url(agent), '--username', cluster.ready.admin.username]).then((login) => (login.code === 0 ? run(args) : login));
  }

  async function stat(bucket: string, key: string, agent = 1): Promise<MultipartStat> {
    const r = await user.at(cluster.url(agent)).statObject(bucket, key);
    if (r.status !== 200) throw new Error(`stat ${bucket}/${key} at agent ${agent}: ${r.status} ${r.body.toString()}`);
    return r.json<MultipartStat>();
  }

  /** Polls until the object and every part have all their primaries current (repair done). */
  async function waitFullyReplicated(bucket: string, key: string, parts: number, timeoutMs = 120_000): Promise<MultipartStat> {
    return waitFor(
      async () => {
        const s = await stat(bucket, key);
        const replicas = s.replicas.filter((r) => r.role === 'primary').length;
        if (!s.parts || s.parts.length !== parts) throw new Error(`stat shows ${s.parts?.length ?? 'no'} parts, expected ${parts}: ${JSON.stringify(s).slice(0, 2000)}`);
        const short = s.parts.filter((p) => primariesCurrent(p.replicas) < replicas);
        if (primariesCurrent(s.replicas) < replicas || short.length > 0) throw new Error(`not yet fully replicated: object ${primariesCurrent(s.replicas)}/${replicas}, parts short: ${short.map((p) => `${p.partNumber}:${JSON.stringify(p.replicas)}`).join(' ')}`);
        return s;
      },
      { timeoutMs, intervalMs: 1_000, description: `${bucket}/${key} and its ${parts} parts to have every replica` },
    );
  }

  /** Downloads through S3 at agent i to a file and returns its SHA-256. */
  async function sdkDownloadSha(agent: number, bucket: string, key: string, file: string): Promise<string> {
    const got = await s3[agent].send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const { createWriteStream } = await import('node:fs');
    const { pipeline } = await import('node:stream/promises');
    await pipeline(got.Body as Readable, createWriteStream(file));
    return fileSha256(file);
  }

  /** Backend listings of every agent. */
  function allBackendFiles(): Set<string>[] {
    return Array.from({ length: cluster.agentCount }, (_, i) => backendFiles(cluster.backendRoot(i)));
  }

  /**
   * Waits until no agent's backend holds a unit that was not there in
   * `before`, other than what `allowed` accepts (the bucket's objects and
   * their tombstones, `o/...` as the fs codec writes them): no part (`p/`),
   * no upload record (`u/`), nothing else.
   */
  async function waitNoneLeft(before: Set<string>[], allowed: (path: string) => boolean, what: string): Promise<void> {
    await waitFor(
      () => {
        const left = allBackendFiles().flatMap((now, i) => added(before[i], now).filter((path) => !allowed(path)).map((path) => `${cluster.name(i)}:${path}`));
        if (left.length > 0) throw new Error(`still on the backends: ${left.slice(0, 20).join(', ')}${left.length > 20 ? ` (+${left.length - 20})` : ''}`);
        return true;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, description: `${what} to leave no part on any backend` },
    );
  }

  withClient(S3_CLIENTS.aws)('aws s3 cp (Debian v2: multipart from 8 MiB, 8 MiB parts, 10 in flight)', () => {
    const aws = (agent: number, ...args: string[]) => home.ok(S3_CLIENTS.aws, ['--endpoint-url', cluster.s3Url(agent), ...args], { timeoutMs: 300_000 });

    beforeAll(() => logVersion(home, S3_CLIENTS.aws, ['--version']));

    it.each([
      ['100 MiB', 13, 100 * MiB],
      ['1 GiB', 128, GiB],
    ])('%s (%i parts) up at agent-a, down at agent-b: identical, multipart ETag', async (label, parts, size) => {
      const file = await generateFile(join(home.dir, `aws-${size}.bin`), size, `aws ${label}`);
      expect(file.partMd5s).toHaveLength(parts);
      await aws(0, 's3', 'cp', file.path, `s3://mpu/aws/${size}.bin`);
      const head = JSON.parse(await aws(2, 's3api', 'head-object', '--bucket', 'mpu', '--key', `aws/${size}.bin`, '--output', 'json')) as { ContentLength: number; ETag: string };
      expect(head).toMatchObject({ ContentLength: size, ETag: multipartEtag(file.partMd5s) });
      const back = join(home.dir, `aws-${size}.back`);
      await aws(1, 's3', 'cp', `s3://mpu/aws/${size}.bin`, back);
      expect(await fileSha256(back)).toBe(file.sha256);
      rmSync(back);
      rmSync(file.path);
      if (size === GiB) await aws(0, 's3', 'rm', `s3://mpu/aws/${size}.bin`); // frees 3 GiB of replicas for the rest
    });
  });

  withClient(S3_CLIENTS.aws)('aws s3api by hand: parts sent to different agents', () => {
    const run = (agent: number, ...args: string[]) => home.run(S3_CLIENTS.aws, ['--endpoint-url', cluster.s3Url(agent), 's3api', ...args, '--output', 'json']);
    const api = async <T = any>(agent: number, ...args: string[]): Promise<T> => JSON.parse((await home.ok(S3_CLIENTS.aws, ['--endpoint-url', cluster.s3Url(agent), 's3api', ...args, '--output', 'json'])) || '{}') as T;
    const partFile = (name: string, data: Buffer) => {
      const path = join(home.dir, name);
      writeFileSync(path, data);
      return path;
    };
    const p1 = bytesAt('hand 1', 0, 5 * MiB);
    const p2old = bytesAt('hand 2 old', 0, 5 * MiB + 1);
    const p2 = bytesAt('hand 2', 0, 6 * MiB);
    const p3 = bytesAt('hand 3', 0, 1234);

    it('create at a, parts at a/b/c (part 2 twice: the last wins), list-parts paged, invisible until complete, complete at c', async () => {
      const created = await api<{ UploadId: string }>(0, 'create-multipart-upload', '--bucket', 'mpu', '--key', 'hand/made.bin', '--content-type', 'application/x-made', '--metadata', 'colour=red');
      const id = created.UploadId;
      expect(id).toBeTruthy();
      const e1 = (await api<{ ETag: string }>(0, 'upload-part', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id, '--part-number', '1', '--body', partFile('p1', p1))).ETag;
      await api(1, 'upload-part', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id, '--part-number', '2', '--body', partFile('p2old', p2old));
      const e3 = (await api<{ ETag: string }>(1, 'upload-part', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id, '--part-number', '3', '--body', partFile('p3', p3))).ETag;
      const e2 = (await api<{ ETag: string }>(2, 'upload-part', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id, '--part-number', '2', '--body', partFile('p2', p2))).ETag;
      expect([e1, e2, e3]).toEqual([p1, p2, p3].map((p) => `"${md5Hex(p)}"`));

      const listed = await api<{ Parts: { PartNumber: number; Size: number; ETag: string }[] }>(1, 'list-parts', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id);
      expect(listed.Parts.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
        [1, p1.length, e1],
        [2, p2.length, e2],
        [3, p3.length, e3],
      ]);
      // One page of one part: the CLI's own paging (max-items) must go through NextPartNumberMarker.
      const paged = await api<{ Parts: { PartNumber: number }[] }>(2, 'list-parts', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id, '--page-size', '1');
      expect(paged.Parts.map((p) => p.PartNumber)).toEqual([1, 2, 3]);
      const uploads = await api<{ Uploads?: { Key: string; UploadId: string }[] }>(2, 'list-multipart-uploads', '--bucket', 'mpu', '--prefix', 'hand/');
      expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([['hand/made.bin', id]]);

      // Not visible before Complete.
      expect((await run(1, 'head-object', '--bucket', 'mpu', '--key', 'hand/made.bin')).stderr).toMatch(/404|Not Found/);
      expect((await api<{ Contents?: unknown[] }>(2, 'list-objects-v2', '--bucket', 'mpu', '--prefix', 'hand/')).Contents).toBeUndefined();

      const parts = { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2.replace(/"/g, '') /* bare ETags are accepted */ }, { PartNumber: 3, ETag: e3 }] };
      const done = await api<{ ETag: string; Key: string }>(2, 'complete-multipart-upload', '--bucket', 'mpu', '--key', 'hand/made.bin', '--upload-id', id, '--multipart-upload', JSON.stringify(parts));
      const whole = Buffer.concat([p1, p2, p3]);
      expect(done.ETag).toBe(multipartEtag([p1, p2, p3].map(md5Binary)));

      const head = await api<{ ContentLength: number; ETag: string; ContentType: string; Metadata: Record<string, string> }>(1, 'head-object', '--bucket', 'mpu', '--key', 'hand/made.bin');
      expect(head).toMatchObject({ ContentLength: whole.length, ETag: done.ETag, ContentType: 'application/x-made', Metadata: { colour: 'red' } });
      for (let agent = 0; agent < cluster.agentCount; agent++) {
        await api(agent, 'get-object', '--bucket', 'mpu', '--key', 'hand/made.bin', join(home.dir, `made-${agent}`));
        expect(sha256Hex(readFileSync(join(home.dir, `made-${agent}`)))).toBe(sha256Hex(whole));
      }
      // A range across the part 1 / part 2 / part 3 boundaries; partNumber=2 answers part 2 alone.
      const from = p1.length - 100;
      const to = p1.length + p2.length + 99;
      const range = await api<{ ContentLength: number; ContentRange: string }>(0, 'get-object', '--bucket', 'mpu', '--key', 'hand/made.bin', '--range', `bytes=${from}-${to}`, join(home.dir, 'made-range'));
      expect(range).toMatchObject({ ContentLength: to - from + 1, ContentRange: `bytes ${from}-${to}/${whole.length}` });
      expect(sha256Hex(readFileSync(join(home.dir, 'made-range')))).toBe(sha256Hex(whole.subarray(from, to + 1)));
      const second = await api<{ ContentLength: number; PartsCount?: number }>(2, 'get-object', '--bucket', 'mpu', '--key', 'hand/made.bin', '--part-number', '2', join(home.dir, 'made-part2'));
      expect(second.ContentLength).toBe(p2.length);
      expect(second.PartsCount).toBe(3);
      expect(md5Hex(readFileSync(join(home.dir, 'made-part2')))).toBe(md5Hex(p2));
      expect((await api<{ Uploads?: unknown[] }>(0, 'list-multipart-uploads', '--bucket', 'mpu', '--prefix', 'hand/')).Uploads).toBeUndefined();

      // Stat shows the parts and where each is.
      const s = await waitFullyReplicated('mpu', 'hand/made.bin', 3);
      expect(s.parts!.map((p) => [p.partNumber, p.size])).toEqual([
        [1, p1.length],
        [2, p2.length],
        [3, p3.length],
      ]);
    });

    it('InvalidPart, InvalidPartOrder, EntityTooSmall (nothing visible), NoSuchUpload; abort-multipart-upload removes the upload', async () => {
      const id = (await api<{ UploadId: string }>(1, 'create-multipart-upload', '--bucket', 'mpu', '--key', 'hand/bad.bin')).UploadId;
      const small = bytesAt('small', 0, 1024);
      const e1 = (await api<{ ETag: string }>(0, 'upload-part', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', id, '--part-number', '1', '--body', partFile('s1', small))).ETag;
      const e2 = (await api<{ ETag: string }>(2, 'upload-part', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', id, '--part-number', '2', '--body', partFile('s2', small))).ETag;
      const complete = (parts: { PartNumber: number; ETag: string }[], uploadId = id) =>
        run(0, 'complete-multipart-upload', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', uploadId, '--multipart-upload', JSON.stringify({ Parts: parts }));
      expect((await complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: '"0123456789abcdef0123456789abcdef"' }])).stderr).toContain('InvalidPart');
      expect((await complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 3, ETag: e2 }])).stderr).toContain('InvalidPart');
      expect((await complete([{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }])).stderr).toContain('InvalidPartOrder');
      expect((await complete([{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }])).stderr).toContain('EntityTooSmall');
      expect((await run(2, 'head-object', '--bucket', 'mpu', '--key', 'hand/bad.bin')).stderr).toMatch(/404|Not Found/);
      expect((await complete([{ PartNumber: 1, ETag: e1 }], 'no-such-upload-id')).stderr).toContain('NoSuchUpload');
      expect((await run(1, 'upload-part', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', 'no-such-upload-id', '--part-number', '1', '--body', partFile('s3', small))).stderr).toContain('NoSuchUpload');
      expect((await run(1, 'upload-part', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', id, '--part-number', '10001', '--body', partFile('s4', small))).stderr).toMatch(/InvalidArgument|InvalidPart/);

      await api(2, 'abort-multipart-upload', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', id);
      expect((await run(0, 'list-parts', '--bucket', 'mpu', '--key', 'hand/bad.bin', '--upload-id', id)).stderr).toContain('NoSuchUpload');
      expect((await complete([{ PartNumber: 1, ETag: e1 }])).stderr).toContain('NoSuchUpload');
    });
  });

  withClient(S3_CLIENTS.s3cmd)('s3cmd put of a 40 MiB file (multipart at 15 MiB)', () => {
    it('put at agent-b, get at agent-c: identical, ETag of 3 parts', async () => {
      await logVersion(home, S3_CLIENTS.s3cmd, ['--version']);
      const file = await generateFile(join(home.dir, 's3cmd-40.bin'), 40 * MiB, 's3cmd', 15 * MiB);
      const s3cmd = (agent: number, ...args: string[]) => home.ok(S3_CLIENTS.s3cmd, ['-c', home.s3cmdConfig(cluster.s3Url(agent)), ...args], { timeoutMs: 240_000 });
      // Without a terminal s3cmd prints no per-part lines: the ETag below shows the 3 parts of 15 MiB.
      await s3cmd(1, 'put', '--multipart-chunk-size-mb=15', file.path, 's3://mpu/s3cmd/40.bin');
      await s3cmd(2, 'get', '--force', 's3://mpu/s3cmd/40.bin', join(home.dir, 's3cmd-40.back'));
      expect(await fileSha256(join(home.dir, 's3cmd-40.back'))).toBe(file.sha256);
      const head = await s3[0].send(new HeadObjectCommand({ Bucket: 'mpu', Key: 's3cmd/40.bin' }));
      expect(head.ETag).toBe(multipartEtag(file.partMd5s));
    });
  });

  withClient(S3_CLIENTS.rclone)('rclone copy --s3-upload-cutoff 5M of big files', () => {
    it('copy a tree of big files up at agent-a (multipart), check at agent-b, copy back at agent-c: identical', async () => {
      await logVersion(home, S3_CLIENTS.rclone, ['version']);
      home.rcloneRemote('a', cluster.s3Url(0));
      home.rcloneRemote('b', cluster.s3Url(1));
      home.rcloneRemote('c', cluster.s3Url(2));
      const tree = join(home.dir, 'rclone-tree');
      mkdirSync(join(tree, 'sub'), { recursive: true });
      const files = [await generateFile(join(tree, 'one.bin'), 30 * MiB + 7, 'rclone one'), await generateFile(join(tree, 'sub', 'two.bin'), 12 * MiB, 'rclone two'), await generateFile(join(tree, 'small.bin'), 1000, 'rclone small')];
      const rclone = (...args: string[]) => home.ok(S3_CLIENTS.rclone, args, { timeoutMs: 240_000 });
      await rclone('copy', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', '--s3-upload-concurrency', '4', tree, 'a:mpu/rclone');
      const big = await s3[1].send(new HeadObjectCommand({ Bucket: 'mpu', Key: 'rclone/one.bin' }));
      expect(big.ETag).toMatch(/-7"$/); // 30 MiB + 7 B in 5 MiB parts
      await rclone('check', tree, 'b:mpu/rclone');
      const back = join(home.dir, 'rclone-back');
      await rclone('copy', 'c:mpu/rclone', back);
      for (const f of files) expect(await fileSha256(f.path.replace(tree, back))).toBe(f.sha256);
    });
  });

  describe('@aws-sdk/lib-storage Upload, 8 parts in flight', () => {
    let file: GeneratedFile;

    it('a 64 MiB stream in 5 MiB parts at agent-a; read at every agent, identical', async () => {
      file = await generateFile(join(home.dir, 'sdk-64.bin'), 64 * MiB, 'lib-storage', 5 * MiB);
      const { createReadStream } = await import('node:fs');
      const upload = new Upload({ client: s3[0], queueSize: 8, partSize: 5 * MiB, params: { Bucket: 'mpu', Key: 'sdk/64.bin', Body: createReadStream(file.path), ContentType: 'application/x-sdk' } });
      let seenParts = 0;
      upload.on('httpUploadProgress', (p) => (seenParts = Math.max(seenParts, p.part ?? 0)));
      const done = await upload.done();
      expect(seenParts).toBe(13);
      expect(done.ETag).toBe(multipartEtag(file.partMd5s));
      for (let agent = 0; agent < cluster.agentCount; agent++) {
        expect(await sdkDownloadSha(agent, 'mpu', 'sdk/64.bin', join(home.dir, `sdk-64.back${agent}`))).toBe(file.sha256);
        rmSync(join(home.dir, `sdk-64.back${agent}`));
      }
      const part = await s3[2].send(new GetObjectCommand({ Bucket: 'mpu', Key: 'sdk/64.bin', PartNumber: 13 }));
      expect(part.PartsCount).toBe(13);
      expect(md5Binary(Buffer.from(await part.Body!.transformToByteArray()))).toEqual(file.partMd5s[12]);
    });

    it('the same object through the other door: /v1 at agent-b and mcos get at agent-c, byte-identical', async () => {
      const v1 = await user.getObject('mpu', 'sdk/64.bin');
      expect(v1.status).toBe(200);
      expect(sha256Hex(v1.body)).toBe(file.sha256);
      expect(v1.headers.get('etag')).toBe(multipartEtag(file.partMd5s));
      expect(v1.headers.get('content-type')).toBe('application/x-sdk');
      const ranged = await user.at(cluster.url(2)).getObject('mpu', 'sdk/64.bin', { range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` });
      expect(ranged.status).toBe(206);
      expect(ranged.body.equals(bytesAt('lib-storage', 5 * MiB - 10, 20))).toBe(true);

      const cli = await mcos(2, ['get', 'mpu/sdk/64.bin', join(home.dir, 'via-mcos.bin')]);
      expect(cli).toMatchObject({ code: 0 });
      expect(await fileSha256(join(home.dir, 'via-mcos.bin'))).toBe(file.sha256);
      const parallel = await mcos(0, ['get', '--parallel', '4', '--part-size', '4MiB', 'mpu/sdk/64.bin', join(home.dir, 'via-mcos-parallel.bin')]);
      expect(parallel).toMatchObject({ code: 0 });
      expect(await fileSha256(join(home.dir, 'via-mcos-parallel.bin'))).toBe(file.sha256);
      const st = await mcos(1, ['stat', '--json', 'mpu/sdk/64.bin']);
      expect(st.code).toBe(0);
      expect((JSON.parse(st.stdout) as MultipartStat).parts).toHaveLength(13);
    });

    it('mcos put of a big file uploads parts in parallel; S3 reads it back', async () => {
      const path = join(home.dir, 'mcos-40.bin');
      const big = await generateFile(path, 40 * MiB + 3, 'mcos put', 8 * MiB);
      const put = await mcos(1, ['put', '--json', '--multipart-threshold', '16MiB', '--part-size', '8MiB', '--parallel', '4', path, 'mpu/mcos/40.bin']);
      expect(put).toMatchObject({ code: 0 });
      expect(JSON.parse(put.stdout)).toMatchObject({ size: big.size, parts: 6, etag: multipartEtag(big.partMd5s).replace(/"/g, '') });
      expect(await sdkDownloadSha(2, 'mpu', 'mcos/40.bin', join(home.dir, 'mcos-40.back'))).toBe(big.sha256);
    });
  });

  describe('orphans: abort, overwrite and delete leave no part on any backend', () => {
    // The bucket's objects (and tombstones) may stay; in the fs codec's literal alphabet their replica paths are known.
    const objects = (path: string) => path.startsWith(`o/${cluster.ready.admin.username}/orphans/`);
    let before: Set<string>[];

    beforeAll(async () => {
      await s3[0].send(new CreateBucketCommand({ Bucket: 'orphans' }));
      // Earlier cases' background work (repair of their parts) settles first: nothing new for 5 s.
      let last = '';
      let stableSince = Date.now();
      await waitFor(
        () => {
          const now = JSON.stringify(allBackendFiles().map((s) => [...s].sort()));
          if (now !== last) {
            last = now;
            stableSince = Date.now();
          }
          return Date.now() - stableSince >= 5_000;
        },
        { timeoutMs: 120_000, intervalMs: 500, description: 'the backends to settle' },
      );
      before = allBackendFiles();
    });

    async function uploadParts(key: string, agentOf: (part: number) => number, sizes: number[]): Promise<{ id: string; parts: { PartNumber: number; ETag: string }[] }> {
      const id = (await s3[0].send(new CreateMultipartUploadCommand({ Bucket: 'orphans', Key: key }))).UploadId!;
      const parts = await Promise.all(
        sizes.map(async (size, i) => {
          const r = await s3[agentOf(i + 1)].send(new UploadPartCommand({ Bucket: 'orphans', Key: key, UploadId: id, PartNumber: i + 1, Body: bytesAt(`${key} ${i}`, 0, size) }));
          return { PartNumber: i + 1, ETag: r.ETag! };
        }),
      );
      return { id, parts };
    }

    it('abort: the parts uploaded at three agents go from every backend', async () => {
      const { id } = await uploadParts('abort-me', (n) => n % 3, [5 * MiB, 5 * MiB, 5 * MiB, 100]);
      expect(allBackendFiles().some((now, i) => added(before[i], now).length > 0)).toBe(true); // the parts were stored somewhere
      await s3[1].send(new AbortMultipartUploadCommand({ Bucket: 'orphans', Key: 'abort-me', UploadId: id }));
      await waitNoneLeft(before, () => false, 'an aborted upload');
    });

    it('overwrite: a multipart object replaced by a single PUT leaves only the new object', async () => {
      const { id, parts } = await uploadParts('overwrite-me', (n) => (n + 1) % 3, [5 * MiB, 5 * MiB, 10]);
      await s3[2].send(new CompleteMultipartUploadCommand({ Bucket: 'orphans', Key: 'overwrite-me', UploadId: id, MultipartUpload: { Parts: parts } }));
      await s3[0].send(new PutObjectCommand({ Bucket: 'orphans', Key: 'overwrite-me', Body: 'small now' }));
      await waitNoneLeft(before, objects, 'an overwritten multipart object');
      const got = await s3[1].send(new GetObjectCommand({ Bucket: 'orphans', Key: 'overwrite-me' }));
      expect(await got.Body!.transformToString()).toBe('small now');
    });

    it('delete: a deleted multipart object leaves at most its tombstone', async () => {
      const { id, parts } = await uploadParts('delete-me', (n) => (n + 2) % 3, [5 * MiB, 5 * MiB, 5 * MiB]);
      await s3[0].send(new CompleteMultipartUploadCommand({ Bucket: 'orphans', Key: 'delete-me', UploadId: id, MultipartUpload: { Parts: parts } }));
      await s3[1].send(new DeleteObjectCommand({ Bucket: 'orphans', Key: 'delete-me' }));
      await waitNoneLeft(before, objects, 'a deleted multipart object');
      expect(await s3Code(s3[2].send(new HeadObjectCommand({ Bucket: 'orphans', Key: 'delete-me' })))).toBe('NotFound');
    });

    it('parts uploaded again (the last one wins) leave only the last copy', async () => {
      const { id, parts } = await uploadParts('again', (n) => n % 3, [5 * MiB, 100]);
      const again = await s3[2].send(new UploadPartCommand({ Bucket: 'orphans', Key: 'again', UploadId: id, PartNumber: 1, Body: bytesAt('again again', 0, 5 * MiB) }));
      await s3[1].send(new CompleteMultipartUploadCommand({ Bucket: 'orphans', Key: 'again', UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: again.ETag }, parts[1]] } }));
      const got = await s3[0].send(new GetObjectCommand({ Bucket: 'orphans', Key: 'again' }));
      expect(md5Hex(Buffer.from(await got.Body!.transformToByteArray()))).toBe(md5Hex(Buffer.concat([bytesAt('again again', 0, 5 * MiB), bytesAt('again 1', 0, 100)])));
      await s3[0].send(new DeleteObjectCommand({ Bucket: 'orphans', Key: 'again' }));
      await waitNoneLeft(before, objects, 'a re-uploaded part and its object');
      expect((await s3[2].send(new ListMultipartUploadsCommand({ Bucket: 'orphans' }))).Uploads ?? []).toEqual([]);
    });
  });

  describe('an agent SIGKILLed during a multipart upload', () => {
    it('the client retries the failed parts at another agent; the object is whole at every agent; repair brings every part to its full replica count', async () => {
      const partSize = 5 * MiB;
      const count = 24;
      const seed = 'killed mid-upload';
      const id = (await s3[0].send(new CreateMultipartUploadCommand({ Bucket: 'mpu', Key: 'killed/obj.bin' }))).UploadId!;
      // No SDK retries: a failed part is retried here, at the next agent.
      const once = Array.from({ length: cluster.agentCount }, (_, i) => sdk(cluster.s3Url(i), cluster.adminKey, 1));
      let sent = 0;
      let killed: number | undefined;
      const retried: number[] = [];
      const sendPart = async (n: number): Promise<{ PartNumber: number; ETag: string }> => {
        const body = bytesAt(seed, (n - 1) * partSize, partSize);
        for (let attempt = 0; ; attempt++) {
          const agent = (n + attempt) % cluster.agentCount;
          try {
            const r = await once[agent].send(new UploadPartCommand({ Bucket: 'mpu', Key: 'killed/obj.bin', UploadId: id, PartNumber: n, Body: body }));
            expect(r.ETag).toBe(`"${md5Hex(body)}"`);
            return { PartNumber: n, ETag: r.ETag! };
          } catch (error) {
            if (attempt >= 5) throw error;
            retried.push(n);
          }
        }
      };
      const queue = Array.from({ length: count }, (_, i) => i + 1);
      const results: { PartNumber: number; ETag: string }[] = [];
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
            results.push(await sendPart(n));
            sent++;
            // Agent-b dies without a word once a third of the parts are in (others are in flight).
            if (sent === count / 3 && killed === undefined) killed = cluster.killAgent(1);
          }
        }),
      );
      expect(killed).toBeDefined();
      const parts = results.sort((a, b) => a.PartNumber - b.PartNumber);
      const done = await s3[2].send(new CompleteMultipartUploadCommand({ Bucket: 'mpu', Key: 'killed/obj.bin', UploadId: id, MultipartUpload: { Parts: parts } }));
      const md5s = Array.from({ length: count }, (_, i) => md5Binary(bytesAt(seed, i * partSize, partSize)));
      expect(done.ETag).toBe(multipartEtag(md5s));
      process.stdout.write(`parts retried at another agent: ${retried.length ? retried.join(', ') : 'none (agent-b died between parts)'}\n`);

      await cluster.waitRestarted(1, killed!);
      for (const c of once) c.destroy();
      const expected = sha256Hex(Buffer.concat(Array.from({ length: count }, (_, i) => bytesAt(seed, i * partSize, partSize))));
      for (let agent = 0; agent < cluster.agentCount; agent++) {
        const file = join(home.dir, `killed-${agent}`);
        expect(await sdkDownloadSha(agent, 'mpu', 'killed/obj.bin', file)).toBe(expected);
        rmSync(file);
      }
      await waitFullyReplicated('mpu', 'killed/obj.bin', count, 180_000);
    });
  });

  describe('bad input', () => {
    it('an unknown upload id is NoSuchUpload for abort and list-parts', async () => {
      expect(await s3Code(s3[0].send(new AbortMultipartUploadCommand({ Bucket: 'mpu', Key: 'x', UploadId: randomBytes(16).toString('hex') })))).toBe('NoSuchUpload');
      expect(await s3Code(s3[1].send(new ListPartsCommand({ Bucket: 'mpu', Key: 'x', UploadId: 'not-an-upload' })))).toBe('NoSuchUpload');
    });
  });
});
