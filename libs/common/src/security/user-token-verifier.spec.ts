import { describe, expect, it } from '@jest/globals';
import { createPrivateKey } from 'node:crypto';
import { signToken, type TokenClaims } from '../auth/token';
import { generateEd25519KeyPair, keyIdOf } from './ed25519-keys';
import { UserTokenVerifier } from './user-token-verifier';

describe('UserTokenVerifier', () => {
  const NOW = 1_700_000_000_000;
  const k1 = generateEd25519KeyPair();
  const k2 = generateEd25519KeyPair();
  const kid1 = keyIdOf(k1.publicKeyPem);
  const kid2 = keyIdOf(k2.publicKeyPem);
  const claims: TokenClaims = { sub: 'alice', role: 'user', iat: NOW / 1000, exp: NOW / 1000 + 600, gen: 4 };
  const token = (c: TokenClaims, pem = k1.privateKeyPem, kid: string | undefined = kid1) => signToken(c, createPrivateKey(pem), kid);
  const policy = { tokenKeys: [{ kid: kid1, publicKey: k1.publicKeyPem }], users: { alice: 4 } };

  it('accepts a token of an existing user at its generation, signed by a key of the map', () => {
    expect(new UserTokenVerifier().verify(token(claims), policy, NOW)).toMatchObject({ sub: 'alice', gen: 4 });
  });

  it('refuses a deleted user, a revoked generation, a token without gen', () => {
    const sut = new UserTokenVerifier();
    const t = token(claims);
    expect(sut.verify(t, policy, NOW).sub).toBe('alice');
    expect(() => sut.verify(t, { ...policy, users: {} }, NOW)).toThrow(/no longer exists/);
    expect(() => sut.verify(t, { ...policy, users: { alice: 5 } }, NOW)).toThrow(/revoked/);
    expect(() => sut.verify(token({ ...claims, gen: undefined }), policy, NOW)).toThrow(/revoked/);
    expect(() => sut.verify(t, { ...policy, users: { ['__proto__']: 0 } }, NOW)).toThrow(/no longer exists/);
  });

  it('picks the key by kid while keys rotate, and refuses a kid the map dropped', () => {
    const sut = new UserTokenVerifier();
    const both = { ...policy, tokenKeys: [...policy.tokenKeys, { kid: kid2, publicKey: k2.publicKeyPem }] };
    const old = token(claims);
    const fresh = token(claims, k2.privateKeyPem, kid2);
    expect(sut.verify(old, both, NOW).sub).toBe('alice');
    expect(sut.verify(fresh, both, NOW).sub).toBe('alice');
    const onlyNew = { ...policy, tokenKeys: [{ kid: kid2, publicKey: k2.publicKeyPem }] };
    expect(() => sut.verify(old, onlyNew, NOW)).toThrow(/unknown or retired key/);
    expect(() => sut.verify(token(claims, k2.privateKeyPem, kid1), policy, NOW)).toThrow(/Invalid token signature/);
    expect(() => sut.verify(signToken(claims, createPrivateKey(k1.privateKeyPem)), policy, NOW)).toThrow(/unknown or retired key/);
  });

  it('checks expiry on cached tokens', () => {
    const sut = new UserTokenVerifier();
    const t = token(claims);
    sut.verify(t, policy, NOW);
    expect(() => sut.verify(t, policy, NOW + 600_000)).toThrow(/expired/);
  });
});
