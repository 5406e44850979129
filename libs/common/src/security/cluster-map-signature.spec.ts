import { describe, expect, it } from '@jest/globals';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { ClusterMap } from '../cluster/cluster-map.types';
import { BadRequestError, UnauthorizedError } from '../errors/domain.error';
import { checkMapVersion, endorseMapKey, MAX_MAP_VERSION, signClusterMap, verifyClusterMap } from './cluster-map-signature';
import { generateEd25519KeyPair, keyIdOf } from './ed25519-keys';

function keyPair(): { pub: string; priv: KeyObject } {
  const pair = generateEd25519KeyPair();
  return { pub: pair.publicKeyPem, priv: createPrivateKey(pair.privateKeyPem) };
}

function baseMap(version: number, mapKeys: ClusterMap['mapKeys']): ClusterMap {
  return {
    version,
    createdAt: 1,
    services: [{ name: 'a', url: 'http://a', region: 'r', weight: 1, status: 'ACTIVE', backend: 'fs' }],
    options: [],
    rings: [],
    previousRings: [],
    tokenPublicKey: 'pem',
    users: { alice: 3 },
    mapKeys,
  };
}

function expectRefused(fn: () => unknown, type: new (...args: never[]) => Error, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}

describe('signed cluster maps', () => {
  const k1 = keyPair();
  const genesis = endorseMapKey(k1.pub);

  it('verifies a signed map, also after a JSON round trip, and names the key to pin', () => {
    const sut = signClusterMap(baseMap(5, [genesis]), k1.priv);
    const pinned = verifyClusterMap(JSON.parse(JSON.stringify(sut)) as ClusterMap, undefined);
    expect(pinned).toEqual({ keyId: keyIdOf(k1.pub), publicKey: k1.pub });
    expect(verifyClusterMap(sut, pinned, 4)).toEqual(pinned);
  });

  it('refuses a changed map, an unsigned one, and one signed by another key', () => {
    const signed = signClusterMap(baseMap(5, [genesis]), k1.priv);
    const pinned = verifyClusterMap(signed, undefined);
    expectRefused(() => verifyClusterMap({ ...signed, users: { alice: 1 } }, pinned), UnauthorizedError, /invalid cluster map signature/);
    expectRefused(() => verifyClusterMap({ ...signed, signature: undefined }, pinned), UnauthorizedError, /not signed/);
    const attacker = keyPair();
    const forged = signClusterMap(baseMap(6, [endorseMapKey(attacker.pub)]), attacker.priv);
    expectRefused(() => verifyClusterMap(forged, pinned), UnauthorizedError, /not signed by the pinned controller key/);
    // The attacker appends its key to the real chain: its endorsement is not by the pinned key.
    const appended = signClusterMap(baseMap(6, [genesis, { ...endorseMapKey(attacker.pub, attacker.priv) }]), attacker.priv);
    expectRefused(() => verifyClusterMap(appended, pinned), UnauthorizedError, /not endorsed/);
  });

  it('follows a rotation chain from the pinned key, however many links were missed', () => {
    const k2 = keyPair();
    const k3 = keyPair();
    const chain = [genesis, endorseMapKey(k2.pub, k1.priv), endorseMapKey(k3.pub, k2.priv)];
    const sut = signClusterMap(baseMap(9, chain), k3.priv);
    const pinnedAtK1 = { keyId: genesis.keyId, publicKey: k1.pub };
    expect(verifyClusterMap(sut, pinnedAtK1, 2).keyId).toBe(keyIdOf(k3.pub));
    // A map still signed by k1 while it carries k3 last is refused.
    expectRefused(() => verifyClusterMap(signClusterMap(baseMap(9, chain), k1.priv), pinnedAtK1), UnauthorizedError, /invalid cluster map signature/);
  });

  it('refuses absurd versions with a bad request', () => {
    const sut = signClusterMap(baseMap(2 ** 53 - 1, [genesis]), k1.priv);
    expectRefused(() => verifyClusterMap(sut, undefined), BadRequestError, /beyond the maximum/);
    expect(() => checkMapVersion(MAX_MAP_VERSION, 0)).not.toThrow();
    expect(() => checkMapVersion(10 + 1_000_001, 10)).toThrow(/too far ahead/);
    expect(() => checkMapVersion(1.5, 0)).toThrow(BadRequestError);
    expect(() => checkMapVersion('7', 0)).toThrow(BadRequestError);
    expect(() => checkMapVersion(0, 0)).toThrow(BadRequestError);
  });
});
