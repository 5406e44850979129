import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { SigV4Verifier } from '../apps/agent/src/s3/auth/sigv4-verifier';
import { decodeBody } from '../apps/agent/src/s3/payload/s3-body';
import { MapCredentialStore, TEST_KEY } from '../apps/agent/src/s3/testing/reference-signer';
import { awsChunkedLength, ChunkSigner, EMPTY_SHA256, S3RequestSigner, sha256Hex, STREAMING_PAYLOAD, UNSIGNED_PAYLOAD } from './data-s3-sign';

/** The load generator's signatures are what the agents' S3 door accepts (its own verifier and decoder). */
describe("bench:data's SigV4 signer", () => {
  const key = { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: TEST_KEY.secret };
  const verifier = new SigV4Verifier({ credentials: new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'admin' } }) });
  const host = '127.0.0.1:7101';
  const request = (method: string, path: string, headers: Record<string, string>, body: Buffer[] = []) => ({ method, path, query: '', headers: { host, ...headers }, body: Readable.from(body) });

  it('signs GETs, signed-body PUTs and UNSIGNED-PAYLOAD PUTs the verifier accepts; a changed path is refused', async () => {
    const signer = new S3RequestSigner(key);
    const body = randomBytes(4096);
    for (const [method, path, hash] of [['GET', '/bench-single/g4k-1', EMPTY_SHA256], ['PUT', '/bench-single/s3p4k-17', sha256Hex(body)], ['PUT', '/bench-single/big', UNSIGNED_PAYLOAD]] as const) {
      const { headers } = signer.sign(method, host, path, hash);
      expect((await verifier.verify(request(method, path, headers))).accessKeyId).toBe(TEST_KEY.accessKeyId);
      await expect(verifier.verify(request(method, `${path}x`, headers))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    }
  });

  it('frames aws-chunked bodies the door decodes, every chunk signature checked, with the announced length', async () => {
    const data = randomBytes(3 * 65536 + 123);
    const extra = { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length), 'content-length': String(awsChunkedLength(data.length, 65536)) };
    const signed = new S3RequestSigner(key).sign('PUT', host, '/b/k', STREAMING_PAYLOAD, extra);
    const chunks = new ChunkSigner(signed);
    const wire: Buffer[] = [];
    for (let at = 0; at < data.length; at += 65536) wire.push(...chunks.frame(data.subarray(at, at + 65536)));
    wire.push(...chunks.frame(Buffer.alloc(0)));
    expect(Buffer.concat(wire).length).toBe(awsChunkedLength(data.length, 65536));
    const req = request('PUT', '/b/k', signed.headers, wire);
    const { body } = decodeBody(req, await verifier.verify(req));
    const out: Buffer[] = [];
    for await (const c of body) out.push(c as Buffer);
    expect(Buffer.concat(out).equals(data)).toBe(true);

    const tampered = Buffer.concat(wire);
    tampered[tampered.indexOf('chunk-signature=', 70000) + 20] ^= 1;
    const bad = request('PUT', '/b/k', signed.headers, [tampered]);
    const decoded = decodeBody(bad, await verifier.verify(bad));
    await expect((async () => { for await (const _ of decoded.body) void _; })()).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});
