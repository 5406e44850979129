/**
 * Issue 14, tests 1-3: Debian's command-line S3 clients (aws v2, s3cmd,
 * rclone) against a cluster started as `npm start` starts it, each agent an
 * S3 endpoint. Each client gets a private home with temp config files,
 * path-style addressing and SigV4 for us-east-1, and is called by full path.
 * A missing client skips its part locally and fails it under CI.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientHome, describeWithClient, logVersion, makeTree, md5Hex, S3_CLIENTS, treeDigest } from './support/s3-clients';
import { S3Cluster } from './support/s3-cluster';

jest.setTimeout(300_000);

describe('S3 door with command-line clients (aws, s3cmd, rclone)', () => {
  let cluster: S3Cluster;
  let home: ClientHome;
  let tree: string;

  beforeAll(async () => {
    cluster = await S3Cluster.start();
    home = new ClientHome(join(cluster.dir, 'home'), cluster.adminKey);
    tree = join(cluster.dir, 'tree');
    makeTree(tree, 200);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  describeWithClient(S3_CLIENTS.aws)('aws (Debian v2)', () => {
    const aws = (agent: number, ...args: string[]) => home.ok(S3_CLIENTS.aws, ['--endpoint-url', cluster.s3Url(agent), ...args]);
    const api = async <T = any>(agent: number, ...args: string[]): Promise<T> => JSON.parse((await aws(agent, 's3api', ...args, '--output', 'json')) || '{}') as T;
    let small: Buffer;
    let big: Buffer;

    beforeAll(async () => {
      await logVersion(home, S3_CLIENTS.aws, ['--version']);
      small = randomBytes(1024);
      big = randomBytes(7 * 1024 * 1024); // under the CLI's 8 MiB multipart threshold: one PutObject
      writeFileSync(join(home.dir, 'small.bin'), small);
      writeFileSync(join(home.dir, 'big.bin'), big);
    });

    it('mb, cp up (1 KiB, 7 MiB) at one agent, cp down at another, ls', async () => {
      expect(await aws(0, 's3', 'mb', 's3://aws-bucket')).toContain('make_bucket: aws-bucket');
      await aws(0, 's3', 'cp', join(home.dir, 'small.bin'), 's3://aws-bucket/small.bin');
      await aws(0, 's3', 'cp', join(home.dir, 'big.bin'), 's3://aws-bucket/dir/big.bin');
      await aws(1, 's3', 'cp', 's3://aws-bucket/small.bin', join(home.dir, 'small.back'));
      await aws(2, 's3', 'cp', 's3://aws-bucket/dir/big.bin', join(home.dir, 'big.back'));
      expect(md5Hex(readFileSync(join(home.dir, 'small.back')))).toBe(md5Hex(small));
      expect(md5Hex(readFileSync(join(home.dir, 'big.back')))).toBe(md5Hex(big));

      const top = await aws(1, 's3', 'ls', 's3://aws-bucket');
      expect(top).toMatch(/^\s+PRE dir\/$/m);
      expect(top).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1024 small\.bin$/m);
      expect(await aws(2, 's3', 'ls', '--recursive', 's3://aws-bucket')).toMatch(/\s7340032 dir\/big\.bin$/m);
      expect(await aws(0, 's3', 'ls')).toMatch(/ aws-bucket$/m);
    });

    it('s3api head-object, copy-object (COPY and REPLACE), get-object --range, delete-objects', async () => {
      const head = await api(1, 'head-object', '--bucket', 'aws-bucket', '--key', 'dir/big.bin');
      expect(head).toMatchObject({ ContentLength: big.length, ETag: `"${md5Hex(big)}"` });

      const copied = await api(0, 'copy-object', '--bucket', 'aws-bucket', '--key', 'copies/small.bin', '--copy-source', 'aws-bucket/small.bin');
      expect(copied.CopyObjectResult.ETag).toBe(`"${md5Hex(small)}"`);
      await api(2, 'copy-object', '--bucket', 'aws-bucket', '--key', 'copies/typed.bin', '--copy-source', 'aws-bucket/small.bin', '--metadata-directive', 'REPLACE', '--content-type', 'text/x-test', '--metadata', 'colour=blue');
      const typed = await api(1, 'head-object', '--bucket', 'aws-bucket', '--key', 'copies/typed.bin');
      expect(typed).toMatchObject({ ContentLength: 1024, ContentType: 'text/x-test', Metadata: { colour: 'blue' }, ETag: `"${md5Hex(small)}"` });

      const range = await api(2, 'get-object', '--bucket', 'aws-bucket', '--key', 'dir/big.bin', '--range', 'bytes=1000-1999', join(home.dir, 'range.bin'));
      expect(range).toMatchObject({ ContentLength: 1000, ContentRange: `bytes 1000-1999/${big.length}` });
      expect(readFileSync(join(home.dir, 'range.bin')).equals(big.subarray(1000, 2000))).toBe(true);

      const deleted = await api(0, 'delete-objects', '--bucket', 'aws-bucket', '--delete', JSON.stringify({ Objects: [{ Key: 'copies/small.bin' }, { Key: 'copies/typed.bin' }, { Key: 'never-there' }] }));
      expect((deleted.Deleted as { Key: string }[]).map((d) => d.Key).sort()).toEqual(['copies/small.bin', 'copies/typed.bin', 'never-there']);
      expect(deleted.Errors).toBeUndefined();
      const gone = await home.run(S3_CLIENTS.aws, ['--endpoint-url', cluster.s3Url(1), 's3api', 'head-object', '--bucket', 'aws-bucket', '--key', 'copies/small.bin']);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toMatch(/404|Not Found/);
    });

    it('presign: the URL fetched with Node fetch gives the bytes; a wrong byte in it gives 403', async () => {
      const url = (await aws(1, 's3', 'presign', 's3://aws-bucket/dir/big.bin', '--expires-in', '300')).trim();
      expect(url).toContain('X-Amz-Signature=');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(md5Hex(Buffer.from(await res.arrayBuffer()))).toBe(md5Hex(big));
      const tampered = await fetch(url.replace('big.bin', 'big.bim'));
      expect(tampered.status).toBe(403);
      expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    it('sync a tree of 200 files up, again (nothing to do), and down at another agent: identical', async () => {
      await aws(0, 's3', 'sync', tree, 's3://aws-bucket/tree');
      const listed = (await aws(1, 's3', 'ls', '--recursive', 's3://aws-bucket/tree/')).trim().split('\n');
      expect(listed).toHaveLength(200);
      // Sizes and dates in the listing match: a second sync uploads nothing.
      expect((await aws(2, 's3', 'sync', tree, 's3://aws-bucket/tree')).trim()).toBe('');
      const back = join(home.dir, 'aws-back');
      mkdirSync(back);
      await aws(2, 's3', 'sync', 's3://aws-bucket/tree', back);
      expect(treeDigest(back)).toEqual(treeDigest(tree));
    });

    it('rm --recursive empties the bucket, rb removes it', async () => {
      const removed = await aws(1, 's3', 'rm', '--recursive', 's3://aws-bucket');
      expect(removed.match(/^delete: /gm)).toHaveLength(202);
      expect((await aws(0, 's3', 'ls', '--recursive', 's3://aws-bucket')).trim()).toBe('');
      expect(await aws(2, 's3', 'rb', 's3://aws-bucket')).toContain('remove_bucket: aws-bucket');
      expect(await aws(0, 's3', 'ls')).not.toMatch(/ aws-bucket$/m);
    });
  });

  describeWithClient(S3_CLIENTS.s3cmd)('s3cmd (SigV4, path-style)', () => {
    const s3cmd = (agent: number, ...args: string[]) => home.ok(S3_CLIENTS.s3cmd, ['-c', home.s3cmdConfig(cluster.s3Url(agent)), ...args]);
    let body: Buffer;

    beforeAll(async () => {
      await logVersion(home, S3_CLIENTS.s3cmd, ['--version']);
      body = randomBytes(300_000);
      writeFileSync(join(home.dir, 'cmd.bin'), body);
      writeFileSync(join(home.dir, 'ü €.txt'), 'unicode name\n');
    });

    it('mb, put, ls, info, get at other agents', async () => {
      await s3cmd(0, 'mb', 's3://s3cmd-bucket');
      await s3cmd(0, 'put', join(home.dir, 'cmd.bin'), 's3://s3cmd-bucket/d/cmd.bin');
      await s3cmd(1, 'put', join(home.dir, 'ü €.txt'), 's3://s3cmd-bucket/d/ü €.txt');
      const ls = await s3cmd(2, 'ls', '-r', 's3://s3cmd-bucket');
      expect(ls).toMatch(/\s300000\s+s3:\/\/s3cmd-bucket\/d\/cmd\.bin$/m);
      expect(ls).toContain('s3://s3cmd-bucket/d/ü €.txt');
      const info = await s3cmd(1, 'info', 's3://s3cmd-bucket/d/cmd.bin');
      expect(info).toMatch(/File size: 300000/);
      expect(info).toMatch(new RegExp(`MD5 sum:\\s+${md5Hex(body)}`));
      await s3cmd(2, 'get', '--force', 's3://s3cmd-bucket/d/cmd.bin', join(home.dir, 'cmd.back'));
      expect(md5Hex(readFileSync(join(home.dir, 'cmd.back')))).toBe(md5Hex(body));
      await s3cmd(0, 'get', '--force', 's3://s3cmd-bucket/d/ü €.txt', join(home.dir, 'u.back'));
      expect(readFileSync(join(home.dir, 'u.back'), 'utf8')).toBe('unicode name\n');
    });

    it('del --recursive (DeleteObjects), rb', async () => {
      await s3cmd(1, 'del', '--recursive', '--force', 's3://s3cmd-bucket');
      expect((await s3cmd(0, 'ls', '-r', 's3://s3cmd-bucket')).trim()).toBe('');
      await s3cmd(2, 'rb', 's3://s3cmd-bucket');
      expect(await s3cmd(0, 'ls')).not.toContain('s3://s3cmd-bucket');
    });
  });

  describeWithClient(S3_CLIENTS.rclone)('rclone (provider Other)', () => {
    const rclone = (...args: string[]) => home.ok(S3_CLIENTS.rclone, args);

    beforeAll(async () => {
      await logVersion(home, S3_CLIENTS.rclone, ['version']);
      home.rcloneRemote('a', cluster.s3Url(0));
      home.rcloneRemote('b', cluster.s3Url(1));
      home.rcloneRemote('c', cluster.s3Url(2));
    });

    it('sync 200 files up at one agent; check clean at another', async () => {
      await rclone('mkdir', 'a:rclone-bucket');
      await rclone('sync', tree, 'a:rclone-bucket/tree');
      await rclone('check', tree, 'b:rclone-bucket/tree');
      expect((await rclone('lsf', '-R', '--files-only', 'c:rclone-bucket/tree')).trim().split('\n')).toHaveLength(200);
    });

    it('copyto after a modtime change only sets the modtime (CopyObject onto itself with REPLACE)', async () => {
      const file = 'dir 1/file-1.txt';
      const when = new Date('2021-03-04T05:06:07Z');
      utimesSync(join(tree, file), when, when);
      const r = await home.run(S3_CLIENTS.rclone, ['-v', 'copyto', join(tree, file), `b:rclone-bucket/tree/${file}`]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('Updated modification time in destination');
      expect(r.stderr).not.toMatch(/Copied \(replaced existing\)|Copied \(new\)/);
      expect(await rclone('lsl', `c:rclone-bucket/tree/${file}`)).toContain('2021-03-04 05:06:07');
    });

    it('sync back at a third agent: identical trees (bytes), check clean both ways', async () => {
      const back = join(home.dir, 'rclone-back');
      await rclone('sync', 'c:rclone-bucket/tree', back);
      expect(treeDigest(back)).toEqual(treeDigest(tree));
      await rclone('check', back, 'a:rclone-bucket/tree');
      await rclone('purge', 'a:rclone-bucket');
      expect(await rclone('lsd', 'b:')).not.toContain('rclone-bucket');
    });
  });
});
