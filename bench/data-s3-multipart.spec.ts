import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { multipartTargetsOf, roundRobin, type MultipartFigures } from './data-s3-multipart';

/** Two stand-in endpoints that record the Host each request was sent (and signed) for. */
describe('bench multipart: round-robin of parts and ranges', () => {
  const servers: Server[] = [];
  const seen: { server: number; host: string; path: string; signedHost: boolean }[] = [];
  const url = (i: number) => `http://127.0.0.1:${(servers[i].address() as AddressInfo).port}`;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          seen.push({ server: i, host: req.headers.host ?? '', path: req.url ?? '', signedHost: /SignedHeaders=[^,]*\bhost\b/.test(req.headers.authorization ?? '') });
          res.writeHead(200, { etag: '"0123456789abcdef0123456789abcdef"', 'content-length': '2' });
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
  });

  afterAll(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
  });

  it('sends UploadPart and GetObject to each endpoint in turn, each signed for the host it reaches; other calls stay on the first', async () => {
    const client = new S3Client({ endpoint: url(0), region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' }, requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1 });
    roundRobin(client, [url(0), url(1)]);
    for (let n = 1; n <= 4; n++) await client.send(new UploadPartCommand({ Bucket: 'b', Key: 'k', UploadId: 'u', PartNumber: n, Body: Buffer.from('part') }));
    for (let n = 0; n < 2; n++) await (await client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k', Range: 'bytes=0-1' }))).Body!.transformToString();
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));
    client.destroy();
    expect(seen.map((s) => s.server)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    for (const s of seen) {
      expect(s.host).toBe(new URL(url(s.server)).host);
      expect(s.signedHost).toBe(true);
    }
  });

  it('targets: the best multipart upload against the single-stream PUT and Swift, and the agents RSS', () => {
    const figures = (upload: number[], single: number, rss: number | null): MultipartFigures => ({
      label: 'x',
      endpoints: 3,
      sizeMiB: 1024,
      partMiB: 16,
      singlePut: single,
      upload: { '4': upload[0], '8': upload[1] },
      download: { '4': 1, '8': 2 },
      rssPeakMb: rss,
    });
    const { ratios, targets } = multipartTargetsOf(figures([300, 450], 200, 150), figures([100, 200], 300, null));
    expect(ratios['mpu.upload/singlePut']).toBe(2.25);
    expect(ratios['mpu.upload/swiftMpu']).toBe(2.25);
    expect(targets.map((t) => t.met)).toEqual([true, true, true]);
    expect(multipartTargetsOf(figures([200, 250], 200, 250), null).targets.map((t) => t.met)).toEqual([false, null, false]);
  });
});
