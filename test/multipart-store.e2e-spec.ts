/**
 * Multipart uploads on real processes (issue 15): a controller and three fs
 * agents with S3 on, driven by @aws-sdk/client-s3. Parts go to different
 * agents at once, Complete to a third, and every agent (and /v1) reads the
 * same bytes. Abort, overwrite, delete and expiry leave no part on any
 * backend once the background work ran, checked through each agent's own fs
 * backend.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { FsBackend } from '@mcos/backends';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess, ControllerProcess, freePort, http, makeTempDir, removeTempDir, UserClient, waitFor } from './support';
import { REPO_ROOT } from './support/paths';

jest.setTimeout(420_000);

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const s3Etag = (parts: Buffer[]) => `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}"`;

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; status?: number }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException) return { code: e.name, status: e.$metadata.httpStatusCode };
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('multipart uploads over the store (controller + 3 agents, S3 on every agent)', () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];
  const s3Urls: string[] = [];
  let alice: Key;

  const s3 = (agent: number): S3Client =>
    new S3Client({ region: 'us-east-1', endpoint: s3Urls[agent], forcePathStyle: true, maxAttempts: 1, credentials: alice });

  /** The built `mcos` command with a private config dir. */
  function mcos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [join(REPO_ROOT, 'bin', 'mcos.js'), ...args], { env: { ...process.env, MCOS_CLI_CONFIG_DIR: join(dir, 'cli') }, timeout: 60_000, maxBuffer: 64 * MiB }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 255) : 0, stdout, stderr }),
      );
    });
  }

  /** Every `p/` (part) key each agent's fs backend holds, read through the driver itself. */
  async function partsOnBackends(uploadId?: string): Promise<string[]> {
    const out: string[] = [];
    for (const a of agents) {
      const backend = new FsBackend({ root: a.fsRoot });
      try {
        let marker: string | undefined;
        for (;;) {
          const page = await backend.list({ prefix: 'p/', marker, limit: 1000 });
          for (const item of page.items) if (!uploadId || item.key.includes(`/${uploadId}/`)) out.push(`${a.name}:${item.key}:${item.size}`);
          if (!page.truncated) break;
          marker = page.nextMarker;
        }
      } finally {
        await backend.close();
      }
    }
    return out;
  }

  async function multipartObject(agentForCreate: number, key: string, parts: Buffer[], partAgents: number[], completeAt: number): Promise<{ uploadId: string; etag: string }> {
    const { UploadId } = await s3(agentForCreate).send(new CreateMultipartUploadCommand({ Bucket: 'big', Key: key, ContentType: 'application/x-test', Metadata: { origin: 'e2e' } }));
    const sent = await Promise.all(parts.map((Body, i) => s3(partAgents[i]).send(new UploadPartCommand({ Bucket: 'big', Key: key, UploadId, PartNumber: i + 1, Body }))));
    const done = await s3(completeAt).send(
      new CompleteMultipartUploadCommand({ Bucket: 'big', Key: key, UploadId, MultipartUpload: { Parts: sent.map((s, i) => ({ PartNumber: i + 1, ETag: s.ETag })) } }),
    );
    return { uploadId: UploadId!, etag: done.ETag! };
  }

  beforeAll(async () => {
    dir = makeTempDir('mcos-multipart-');
    mkdirSync(join(dir, 'controller'));
    controller = await ControllerProcess.start({ dir: join(dir, 'controller') });
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      agents.push(
        await AgentProcess.start({
          name: `mp-agent-${i}`,
          region: `region-${i}`,
          controllerUrl: controller.url,
          dir: join(dir, `a${i}`),
          settings: {
            s3: { host: '127.0.0.1', port },
            // Background work every few hundred ms, a 2 s grace and 1 s tombstones, so the test sees it finish.
            // Uploads left open 40 s are abandoned (the other cases finish theirs well within that).
            multipart: { gcIntervalMs: 300, gcGraceSeconds: 2, abandonAfterHours: 40 / 3600 },
            replication: { intervalMs: 300, tombstoneRetentionSeconds: 1 },
          },
        }),
      );
      s3Urls.push(`http://127.0.0.1:${port}`);
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
    const token = await controller.login();
    const user = await http('POST', `${controller.url}/v1/users`, { token, body: { username: 'alice', password: 'alice-password-e2e', role: 'user' } });
    expect(user.status).toBe(201);
    const key = await http<Key>('POST', `${controller.url}/v1/users/alice/keys`, { token, body: {} });
    expect(key.status).toBe(201);
    alice = { accessKeyId: key.body.accessKeyId, secretAccessKey: key.body.secretAccessKey };
    for (let i = 0; i < 3; i++) {
      await waitFor(
        async () => {
          try {
            await s3(i).send(new ListBucketsCommand({}));
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 30_000, description: `agent ${i + 1} knows alice's key` },
      );
    }
    await s3(0).send(new CreateBucketCommand({ Bucket: 'big' }));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    if (dir) removeTempDir(dir);
  });

  it('parts sent to two agents at once, Complete at a third: the object is whole and byte-identical at every agent and through /v1', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 17), randomBytes(MiB + 3)];
    const { uploadId, etag } = await multipartObject(0, 'dir/movie.bin', parts, [0, 1, 0], 2);
    expect(etag).toBe(s3Etag(parts));
    const whole = Buffer.concat(parts);
    for (let i = 0; i < 3; i++) {
      const got = await s3(i).send(new GetObjectCommand({ Bucket: 'big', Key: 'dir/movie.bin' }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(md5(bytes)).toBe(md5(whole));
      expect(got).toMatchObject({ ETag: etag, ContentLength: whole.length, ContentType: 'application/x-test', Metadata: { origin: 'e2e' } });
    }
    const ranged = await s3(1).send(new GetObjectCommand({ Bucket: 'big', Key: 'dir/movie.bin', Range: `bytes=${5 * MiB - 10}-${10 * MiB + 30}` }));
    expect(Buffer.from(await ranged.Body!.transformToByteArray()).equals(whole.subarray(5 * MiB - 10, 10 * MiB + 31))).toBe(true);
    expect(await s3(2).send(new HeadObjectCommand({ Bucket: 'big', Key: 'dir/movie.bin', PartNumber: 2 }))).toMatchObject({ PartsCount: 3, ContentLength: 5 * MiB + 17 });
    const listed = await s3(1).send(new ListObjectsV2Command({ Bucket: 'big', Prefix: 'dir/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size, o.ETag])).toEqual([['dir/movie.bin', whole.length, etag]]);
    // One store, two doors: /v1 at another agent, and its stat shows the parts.
    const v1 = await UserClient.login(agents[1].url, 'alice', 'alice-password-e2e');
    const viaV1 = await v1.getObject('big', 'dir/movie.bin');
    expect(viaV1.status).toBe(200);
    expect(md5(viaV1.body)).toBe(md5(whole));
    const stat = (await v1.request('GET', '/v1/containers/big/objects/dir/movie.bin?stat')).json<{ size: number; parts: { partNumber: number; size: number; replicas: { state: string }[] }[] }>();
    expect(stat.size).toBe(whole.length);
    expect(stat.parts.map((p) => [p.partNumber, p.size])).toEqual(parts.map((p, i) => [i + 1, p.length]));
    // Each part is its own replicated unit: the default option keeps its replicas on the agents.
    expect(stat.parts.every((p) => p.replicas.some((r) => r.state === 'current'))).toBe(true);
    expect(await failure(s3(0).send(new ListPartsCommand({ Bucket: 'big', Key: 'dir/movie.bin', UploadId: uploadId })))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
    // mcos at another agent: stat lists the parts, get brings the same bytes.
    expect((await mcos('login', agents[2].url, '-u', 'alice', '-p', 'alice-password-e2e')).code).toBe(0);
    const shown = await mcos('stat', 'big/dir/movie.bin');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('parts (3)');
    expect(shown.stdout).toContain(md5(parts[1]));
    const copy = join(dir, 'movie-copy.bin');
    const got = await mcos('get', 'big/dir/movie.bin', copy);
    expect(got).toMatchObject({ code: 0 });
    expect(md5(readFileSync(copy))).toBe(md5(whole));
  });

  it('EntityTooSmall at Complete leaves nothing visible; the upload can still be aborted', async () => {
    const { UploadId } = await s3(1).send(new CreateMultipartUploadCommand({ Bucket: 'big', Key: 'small' }));
    const sent = await Promise.all([MiB, MiB].map((n, i) => s3(i).send(new UploadPartCommand({ Bucket: 'big', Key: 'small', UploadId, PartNumber: i + 1, Body: randomBytes(n) }))));
    expect(await failure(s3(2).send(new CompleteMultipartUploadCommand({ Bucket: 'big', Key: 'small', UploadId, MultipartUpload: { Parts: sent.map((s, i) => ({ PartNumber: i + 1, ETag: s.ETag })) } })))).toMatchObject({
      code: 'EntityTooSmall',
      status: 400,
    });
    expect(await failure(s3(0).send(new HeadObjectCommand({ Bucket: 'big', Key: 'small' })))).toMatchObject({ status: 404 });
    expect((await s3(0).send(new ListMultipartUploadsCommand({ Bucket: 'big' }))).Uploads?.map((u) => u.UploadId)).toContain(UploadId);
    await s3(2).send(new AbortMultipartUploadCommand({ Bucket: 'big', Key: 'small', UploadId }));
    expect(await failure(s3(0).send(new ListPartsCommand({ Bucket: 'big', Key: 'small', UploadId })))).toMatchObject({ code: 'NoSuchUpload', status: 404 });
  });

  it('abort, overwrite and delete leave no part on any backend once the background work ran', async () => {
    // An aborted upload (parts at two agents).
    const { UploadId: aborted } = await s3(0).send(new CreateMultipartUploadCommand({ Bucket: 'big', Key: 'dropped' }));
    await Promise.all([0, 1].map((i) => s3(i).send(new UploadPartCommand({ Bucket: 'big', Key: 'dropped', UploadId: aborted, PartNumber: i + 1, Body: randomBytes(MiB) }))));
    expect((await partsOnBackends(aborted!)).length).toBeGreaterThan(0);
    await s3(2).send(new AbortMultipartUploadCommand({ Bucket: 'big', Key: 'dropped', UploadId: aborted }));
    // A multipart object overwritten by a plain PUT, another deleted.
    const over = await multipartObject(1, 'overwritten', [randomBytes(5 * MiB), randomBytes(10)], [1, 2], 0);
    const gone = await multipartObject(2, 'deleted', [randomBytes(5 * MiB), randomBytes(10)], [0, 1], 1);
    // A multipart object that stays: its parts must survive every pass.
    const keptParts = [randomBytes(5 * MiB), randomBytes(99)];
    const kept = await multipartObject(0, 'kept', keptParts, [2, 1], 2);
    await s3(2).send(new PutObjectCommand({ Bucket: 'big', Key: 'overwritten', Body: 'plain now' }));
    await s3(0).send(new DeleteObjectCommand({ Bucket: 'big', Key: 'deleted' }));

    for (const uploadId of [aborted!, over.uploadId, gone.uploadId]) {
      await waitFor(async () => (await partsOnBackends(uploadId)).length === 0, { timeoutMs: 150_000, intervalMs: 500, description: `no part of upload ${uploadId} on any backend` });
    }
    const keptOnBackends = await partsOnBackends(kept.uploadId);
    expect(keptOnBackends.length).toBeGreaterThanOrEqual(2);
    expect(keptOnBackends.every((k) => !k.endsWith(':0'))).toBe(true);
    for (let i = 0; i < 3; i++) {
      const got = await s3(i).send(new GetObjectCommand({ Bucket: 'big', Key: 'kept' }));
      expect(md5(Buffer.from(await got.Body!.transformToByteArray()))).toBe(md5(Buffer.concat(keptParts)));
    }
    const plain = await s3(1).send(new GetObjectCommand({ Bucket: 'big', Key: 'overwritten' }));
    expect(await plain.Body!.transformToString()).toBe('plain now');
  });

  it('an upload a client left open is aborted by background work and leaves no part behind', async () => {
    const { UploadId } = await s3(1).send(new CreateMultipartUploadCommand({ Bucket: 'big', Key: 'forgotten' }));
    await Promise.all([0, 2].map((agent, i) => s3(agent).send(new UploadPartCommand({ Bucket: 'big', Key: 'forgotten', UploadId, PartNumber: i + 1, Body: randomBytes(MiB) }))));
    expect((await partsOnBackends(UploadId!)).length).toBeGreaterThan(0);
    // The client "dies": nobody completes or aborts. The expiry pass ends the upload after abandonAfterHours...
    await waitFor(async () => (await failure(s3(0).send(new ListPartsCommand({ Bucket: 'big', Key: 'forgotten', UploadId })))).code === 'NoSuchUpload', {
      timeoutMs: 150_000,
      intervalMs: 1_000,
      description: 'the abandoned upload is aborted',
    });
    // ...and the GC then removes every part replica.
    await waitFor(async () => (await partsOnBackends(UploadId!)).length === 0, { timeoutMs: 150_000, intervalMs: 500, description: 'no part of the abandoned upload on any backend' });
    expect((await s3(2).send(new ListMultipartUploadsCommand({ Bucket: 'big', Prefix: 'forgotten' }))).Uploads ?? []).toEqual([]);
  });
});
