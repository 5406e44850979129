import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { SigV4Verifier } from '../../agent/src/s3/auth/sigv4-verifier';
import { MapCredentialStore, TEST_KEY } from '../../agent/src/s3/testing/reference-signer';
import { signedListBucketsHeaders } from './admin-s3-key';

describe("the launcher's ListBuckets probe", () => {
  const key = { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: TEST_KEY.secret };
  const store = new MapCredentialStore({ [TEST_KEY.accessKeyId]: { secret: TEST_KEY.secret, owner: 'admin' } });
  const request = (headers: Record<string, string>) => ({ method: 'GET', path: '/', query: '', headers: { host: '127.0.0.1:7101', ...headers }, body: Readable.from([]) });

  it("is signed as the agents' SigV4 verifier checks it", async () => {
    const now = new Date();
    const verified = await new SigV4Verifier({ credentials: store }).verify(request(signedListBucketsHeaders('127.0.0.1:7101', key, now)));
    expect(verified.accessKeyId).toBe(TEST_KEY.accessKeyId);
  });

  it('fails with another secret or another host', async () => {
    const verifier = new SigV4Verifier({ credentials: store });
    await expect(verifier.verify(request(signedListBucketsHeaders('127.0.0.1:7101', { ...key, secretAccessKey: 'wrong' }, new Date())))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(verifier.verify(request(signedListBucketsHeaders('127.0.0.1:7102', key, new Date())))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});
