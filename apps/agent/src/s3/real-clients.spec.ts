import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { MapCredentialStore, TEST_KEY } from './testing/reference-signer';
import { startMapS3Server, type MapS3Server } from './testing/map-s3-server';

/**
 * Real S3 clients (Debian's aws v2, s3cmd, rclone, restic, boto3) against
 * the building blocks behind a loopback server: their signing quirks,
 * payload modes and XML expectations, not the SDK's alone. Locally a
 * missing client skips its test; under CI (CI set) it fails.
 */

const run = promisify(execFile);
const CLIENTS = { aws: '/usr/bin/aws', s3cmd: '/usr/bin/s3cmd', rclone: '/usr/bin/rclone', restic: '/usr/bin/restic', python3: '/usr/bin/python3' };
function installed(binary: string, pythonModule?: string): boolean {
  if (!existsSync(binary)) return false;
  if (!pythonModule) return true;
  try {
    execFileSync(binary, ['-c', `import ${pythonModule}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
/** A missing client skips its test locally; under CI the test runs and fails. */
function maybe(binary: string, pythonModule?: string): jest.It {
  return installed(binary, pythonModule) || process.env.CI ? it : it.skip;
}

describe('real S3 clients against the building blocks', () => {
  let server: MapS3Server;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let tree: string;

  function sha(file: string): string {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  function listTree(root: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else out[relative(root, p)] = sha(p);
      }
    };
    walk(root);
    return out;
  }
  const cmd = async (file: string, args: string[], extra: NodeJS.ProcessEnv = {}) => (await run(file, args, { env: { ...env, ...extra }, timeout: 60_000, maxBuffer: 16 << 20 })).stdout;

  beforeAll(async () => {
    server = await startMapS3Server(new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'alice' } }));
    dir = mkdtempSync(join(tmpdir(), 's3-clients-'));
    // Only what the clients need: no proxy or CA bundle settings of the host leak in.
    env = {
      PATH: '/usr/bin:/bin',
      HOME: dir,
      AWS_ACCESS_KEY_ID: TEST_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_KEY.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    writeFileSync(join(dir, 'aws-config'), '[default]\ns3 =\n    signature_version = s3v4\n    addressing_style = path\n');
    tree = join(dir, 'tree');
    mkdirSync(join(tree, 'sub dir'), { recursive: true });
    for (let i = 1; i <= 12; i++) writeFileSync(join(tree, `f ${i}+x.bin`), randomBytes(i * 997));
    writeFileSync(join(tree, 'sub dir', 'ü€ %.txt'), 'unicode\n');
    writeFileSync(join(tree, 'sub dir', 'big.bin'), randomBytes(7 << 20));
  });

  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  maybe(CLIENTS.aws)('aws (v2): mb, cp up and down, ls, head-object, ranged get-object, presign, rm --recursive, rb', async () => {
    const e = ['--endpoint-url', server.url];
    console.log(await cmd(CLIENTS.aws, ['--version']));
    await cmd(CLIENTS.aws, [...e, 's3', 'mb', 's3://aws-bucket']);
    await cmd(CLIENTS.aws, [...e, 's3', 'cp', '--recursive', tree, 's3://aws-bucket/t']);
    const ls = await cmd(CLIENTS.aws, [...e, 's3', 'ls', '--recursive', 's3://aws-bucket']);
    expect(ls.trim().split('\n')).toHaveLength(14);
    const back = join(dir, 'aws-back');
    await cmd(CLIENTS.aws, [...e, 's3', 'cp', '--recursive', 's3://aws-bucket/t', back]);
    expect(listTree(back)).toEqual(listTree(tree));
    const head = JSON.parse(await cmd(CLIENTS.aws, [...e, 's3api', 'head-object', '--bucket', 'aws-bucket', '--key', 't/f 1+x.bin']));
    expect(head.ContentLength).toBe(997);
    expect(head.ETag).toBe(`"${createHash('md5').update(readFileSync(join(tree, 'f 1+x.bin'))).digest('hex')}"`);
    await cmd(CLIENTS.aws, [...e, 's3api', 'get-object', '--bucket', 'aws-bucket', '--key', 't/sub dir/big.bin', '--range', 'bytes=100-199', join(dir, 'range.bin')]);
    expect(readFileSync(join(dir, 'range.bin')).equals(readFileSync(join(tree, 'sub dir', 'big.bin')).subarray(100, 200))).toBe(true);
    const url = (await cmd(CLIENTS.aws, [...e, 's3', 'presign', 's3://aws-bucket/t/sub dir/ü€ %.txt', '--expires-in', '60'])).trim();
    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([200, 'unicode\n']);
    await cmd(CLIENTS.aws, [...e, 's3', 'rm', '--recursive', 's3://aws-bucket/t']);
    await cmd(CLIENTS.aws, [...e, 's3', 'rb', 's3://aws-bucket']);
    expect(server.buckets.has('aws-bucket')).toBe(false);
  }, 120_000);

  maybe(CLIENTS.s3cmd)('s3cmd (SigV4, path style): mb, put, get, ls, info, del --recursive, rb', async () => {
    const port = new URL(server.url).host;
    const cfg = join(dir, 's3cfg');
    writeFileSync(cfg, `[default]\naccess_key = ${TEST_KEY.accessKeyId}\nsecret_key = ${TEST_KEY.secret}\nhost_base = ${port}\nhost_bucket = ${port}\nuse_https = False\nsignature_v2 = False\n`);
    const s = (...args: string[]) => cmd(CLIENTS.s3cmd, ['-c', cfg, ...args]);
    await s('mb', 's3://s3cmd-bucket');
    await s('put', join(tree, 'f 3+x.bin'), 's3://s3cmd-bucket/d/f 3+x.bin');
    await s('put', join(tree, 'sub dir', 'ü€ %.txt'), 's3://s3cmd-bucket/d/ü€ %.txt');
    expect(await s('ls', '-r', 's3://s3cmd-bucket')).toContain('s3://s3cmd-bucket/d/ü€ %.txt');
    expect(await s('info', 's3://s3cmd-bucket/d/f 3+x.bin')).toMatch(/File size: 2991/);
    await s('get', '--force', 's3://s3cmd-bucket/d/f 3+x.bin', join(dir, 's3cmd.bin'));
    expect(sha(join(dir, 's3cmd.bin'))).toBe(sha(join(tree, 'f 3+x.bin')));
    await s('del', '--recursive', '--force', 's3://s3cmd-bucket');
    await s('rb', 's3://s3cmd-bucket');
    expect(server.log.some((l) => l.startsWith('DELETE-OBJECTS'))).toBe(true);
  }, 120_000);

  maybe(CLIENTS.rclone)('rclone (provider Other): sync up, check, mtime change by CopyObject onto itself, sync back', async () => {
    const conf = join(dir, 'rclone.conf');
    writeFileSync(conf, `[m]\ntype = s3\nprovider = Other\naccess_key_id = ${TEST_KEY.accessKeyId}\nsecret_access_key = ${TEST_KEY.secret}\nendpoint = ${server.url}\nforce_path_style = true\n`);
    const r = (...args: string[]) => cmd(CLIENTS.rclone, ['--config', conf, ...args]);
    await r('mkdir', 'm:rc-bucket');
    await r('sync', tree, 'm:rc-bucket/t');
    await r('check', tree, 'm:rc-bucket/t');
    utimesSync(join(tree, 'f 1+x.bin'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    await r('sync', tree, 'm:rc-bucket/t');
    expect(server.log).toContain('COPY t/f 1+x.bin');
    expect(await r('lsl', 'm:rc-bucket/t/f 1+x.bin')).toContain('2020-01-01 00:00:00');
    const back = join(dir, 'rclone-back');
    await r('sync', 'm:rc-bucket/t', back);
    expect(listTree(back)).toEqual(listTree(tree));
    await r('purge', 'm:rc-bucket');
  }, 120_000);

  maybe(CLIENTS.restic)('restic (minio-go: signed aws-chunked without Content-Encoding): init, backup, check, restore', async () => {
    const repo = ['-r', `s3:${server.url}/restic-bucket`];
    const renv = { RESTIC_PASSWORD: 'pw', RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
    await cmd(CLIENTS.restic, [...repo, 'init'], renv);
    await cmd(CLIENTS.restic, [...repo, 'backup', tree], renv);
    await cmd(CLIENTS.restic, [...repo, 'check'], renv);
    await cmd(CLIENTS.restic, [...repo, 'restore', 'latest', '--target', join(dir, 'restored')], renv);
    expect(listTree(join(dir, 'restored', tree))).toEqual(listTree(tree));
    expect(server.log.some((l) => / chunked-signed /.test(l))).toBe(true);
  }, 120_000);

  maybe(CLIENTS.python3, 'boto3')('boto3: encoding-type=url listings of odd keys, paging, presigned PUT/GET, conditional and ranged GETs, DeleteObjects', async () => {
    const script = `
import boto3, botocore, sys, urllib.request
from botocore.config import Config
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
print(boto3.__version__)
s3.create_bucket(Bucket='boto-bucket')
keys = ['a b', 'c+d', 'e%f', 'ü/€', 'x&y<z>', 'k' * 1024, 'tab\\there', ' lead', 'trail ']
keys += ['page/%04d' % i for i in range(1100)]
for k in keys: s3.put_object(Bucket='boto-bucket', Key=k, Body=k.encode())
seen = [o['Key'] for p in s3.get_paginator('list_objects_v2').paginate(Bucket='boto-bucket') for o in p.get('Contents', [])]
assert sorted(seen) == sorted(keys), 'v2 listing'
seen = [o['Key'] for p in s3.get_paginator('list_objects').paginate(Bucket='boto-bucket') for o in p.get('Contents', [])]
assert sorted(seen) == sorted(keys), 'v1 listing'
first = s3.list_objects_v2(Bucket='boto-bucket')
assert first['KeyCount'] == 1000 and first['IsTruncated'] and first['NextContinuationToken'], 'paging at 1000'
url = s3.generate_presigned_url('put_object', Params={'Bucket': 'boto-bucket', 'Key': 'pre put'}, ExpiresIn=60)
urllib.request.urlopen(urllib.request.Request(url, data=b'presigned body', method='PUT'))
assert urllib.request.urlopen(s3.generate_presigned_url('get_object', Params={'Bucket': 'boto-bucket', 'Key': 'pre put'})).read() == b'presigned body'
etag = s3.head_object(Bucket='boto-bucket', Key='pre put')['ETag']
def code(**kw):
    try:
        s3.get_object(Bucket='boto-bucket', Key='pre put', **kw)
        return 'ok'
    except botocore.exceptions.ClientError as e:
        return e.response['Error']['Code']
assert code(IfNoneMatch=etag.strip('"')) == '304'
assert code(IfMatch='"nope"') == 'PreconditionFailed'
assert code(IfMatch=etag.strip('"')) == 'ok'
assert code(Range='bytes=100-') == 'InvalidRange'
assert s3.get_object(Bucket='boto-bucket', Key='pre put', Range='bytes=-4')['Body'].read() == b'body'
for i in range(0, len(keys) + 1, 1000):
    batch = (keys + ['pre put'])[i:i + 1000]
    r = s3.delete_objects(Bucket='boto-bucket', Delete={'Objects': [{'Key': k} for k in batch], 'Quiet': True})
    assert not r.get('Errors'), r
assert s3.list_objects_v2(Bucket='boto-bucket')['KeyCount'] == 0
s3.delete_bucket(Bucket='boto-bucket')
print('PASS')
`;
    const out = await cmd(CLIENTS.python3, ['-c', script, server.url]);
    expect(out.trim().split('\n').at(-1)).toBe('PASS');
  }, 180_000);
});
