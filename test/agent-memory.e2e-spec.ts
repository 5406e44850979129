/**
 * A 1 GiB object streamed up and down through one agent (option standard:
 * the agent fans the body out to three replicas) must not grow the agent's
 * resident memory past 200 MB: bodies are streamed, never buffered. The
 * figure checked is the agent's peak RSS (VmHWM) read from /proc.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { AgentProcess, ControllerProcess, makeTempDir, removeTempDir, TEST_ADMIN, UserClient } from './support';

jest.setTimeout(300_000);

const GIB = 1024 ** 3;
const BLOCK = randomBytes(1 << 20);
const RSS_LIMIT_MB = 200;

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

function streamPut(url: string, token: string, size: number): Promise<{ status: number; body: string; md5: string }> {
  const hash = createHash('md5');
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-length': String(size) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, md5: hash.digest('hex') }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const chunk = BLOCK.subarray(0, Math.min(BLOCK.length, size - sent));
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

function streamGet(url: string, token: string): Promise<{ status: number; size: number; md5: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    request({ host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const hash = createHash('md5');
      let size = 0;
      res.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, size, md5: hash.digest('hex') }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('agent memory while streaming 1 GiB', () => {
  let dir: string;
  let controller: ControllerProcess;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    dir = makeTempDir('mcos-memory-e2e-');
    mkdirSync(join(dir, 'controller'));
    controller = await ControllerProcess.start({ dir: join(dir, 'controller') });
    for (let i = 1; i <= 3; i++) {
      agents.push(await AgentProcess.start({ name: `m-${i}`, region: `r-${i}`, controllerUrl: controller.url, dir: join(dir, `m-${i}`) }));
    }
    await Promise.all(agents.map((a) => a.waitUntilServing()));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    removeTempDir(dir);
  });

  it(`keeps the agent's peak RSS under ${RSS_LIMIT_MB} MB for a 1 GiB PUT and GET`, async () => {
    const user = await UserClient.login(agents[0].url, TEST_ADMIN.username, TEST_ADMIN.password);
    expect((await user.createContainer('big')).status).toBe(201);
    const url = `${agents[0].url}/v1/containers/big/objects/one-gib.bin`;

    const put = await streamPut(url, user.token, GIB);
    expect(put.status).toBe(201);
    expect(JSON.parse(put.body)).toMatchObject({ etag: put.md5, size: GIB });
    const afterPut = peakRssMb(agents[0].pid!);

    const got = await streamGet(url, user.token);
    expect(got).toEqual({ status: 200, size: GIB, md5: put.md5 });
    const afterGet = peakRssMb(agents[0].pid!);

    process.stdout.write(`agent peak RSS: ${afterPut.toFixed(1)} MB after the 1 GiB PUT, ${afterGet.toFixed(1)} MB after the GET\n`);
    expect(afterPut).toBeLessThan(RSS_LIMIT_MB);
    expect(afterGet).toBeLessThan(RSS_LIMIT_MB);
  });
});
