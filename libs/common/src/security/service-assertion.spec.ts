import { describe, expect, it } from '@jest/globals';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { UnauthorizedError } from '../errors/domain.error';
import { ManualClock } from '../time/clock';
import { signToken } from '../auth/token';
import { generateEd25519KeyPair } from './ed25519-keys';
import { AssertionSigner, AssertionVerifier, signAssertion, verifyAssertion } from './service-assertion';

function keyPair(): { pub: KeyObject; priv: KeyObject } {
  const pair = generateEd25519KeyPair();
  return { pub: createPublicKey(pair.publicKeyPem), priv: createPrivateKey(pair.privateKeyPem) };
}

describe('service assertions', () => {
  const alpha = keyPair();
  const mallory = keyPair();
  const NOW = 1_700_000_000_000;
  const keys = new Map<string, KeyObject>([['alpha', alpha.pub]]);
  const resolve = (iss: string) => keys.get(iss);

  it('verifies an assertion from a known issuer addressed to us', () => {
    const sut = signAssertion({ iss: 'alpha', aud: 'beta', iat: NOW, exp: NOW + 60_000 }, alpha.priv);
    expect(verifyAssertion(sut, 'beta', resolve, NOW + 1)).toMatchObject({ iss: 'alpha', aud: 'beta' });
  });

  it('refuses another audience, an expired or too long-lived one, a forged signature and an unknown issuer', () => {
    const ok = { iss: 'alpha', aud: 'beta', iat: NOW, exp: NOW + 60_000 };
    expect(() => verifyAssertion(signAssertion(ok, alpha.priv), 'gamma', resolve, NOW)).toThrow(/addressed to "beta"/);
    expect(() => verifyAssertion(signAssertion(ok, alpha.priv), 'beta', resolve, NOW + 60_000)).toThrow(/expired/);
    expect(() => verifyAssertion(signAssertion({ ...ok, exp: NOW + 3_600_000 }, alpha.priv), 'beta', resolve, NOW)).toThrow(/too long/);
    expect(() => verifyAssertion(signAssertion({ ...ok, iat: NOW + 120_000, exp: NOW + 150_000 }, alpha.priv), 'beta', resolve, NOW)).toThrow(/future/);
    expect(() => verifyAssertion(signAssertion(ok, mallory.priv), 'beta', resolve, NOW)).toThrow(/invalid service assertion signature/);
    expect(() => verifyAssertion(signAssertion({ ...ok, iss: 'mallory' }, mallory.priv), 'beta', resolve, NOW)).toThrow(/unknown or revoked/);
  });

  it('never takes a user token or garbage for an assertion', () => {
    const userToken = signToken({ sub: 'alpha', role: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 60 }, alpha.priv);
    expect(() => verifyAssertion(userToken, 'beta', resolve, NOW)).toThrow(/not a service assertion/);
    for (const bad of [undefined, '', 'a.b', 'x'.repeat(5000), 42, 'a.b.c']) {
      expect(() => verifyAssertion(bad, 'beta', resolve, NOW)).toThrow(UnauthorizedError);
    }
  });

  it('signs once per audience for half a lifetime', () => {
    const clock = new ManualClock(NOW);
    const sut = new AssertionSigner('alpha', alpha.priv, clock, 60_000);
    const first = sut.for('beta');
    clock.advance(29_000);
    expect(sut.for('beta')).toBe(first);
    expect(sut.for('gamma')).not.toBe(first);
    clock.advance(1_000);
    expect(sut.for('beta')).not.toBe(first);
  });

  it('caches verifications by token but drops them when the issuer is revoked', () => {
    const clock = new ManualClock(NOW);
    const issuers = new Map(keys);
    const sut = new AssertionVerifier(() => 'beta', (iss) => issuers.get(iss), clock);
    const token = new AssertionSigner('alpha', alpha.priv, clock).for('beta');
    expect(sut.verify(token).iss).toBe('alpha');
    expect(sut.verify(token).iss).toBe('alpha');
    issuers.delete('alpha');
    expect(() => sut.verify(token)).toThrow(/unknown or revoked/);
    issuers.set('alpha', alpha.pub);
    clock.advance(60_000);
    expect(() => sut.verify(token)).toThrow(/expired/);
  });
});
