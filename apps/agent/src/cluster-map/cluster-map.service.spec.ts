import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BadRequestError,
  type ClusterMap,
  CONTROLLER_ISSUER,
  endorseMapKey,
  generateEd25519KeyPair,
  type MapKeyLink,
  signClusterMap,
  UnauthorizedError,
  UnavailableError,
} from '@mcos/common';
import { AgentIdentity } from '../config/agent-identity';
import { ClusterMapService } from './cluster-map.service';
import { ClusterStateStore } from './cluster-state.store';

/** The controller as the agent sees it: a signing key chain and the maps it signs. */
class FakeController {
  chain: MapKeyLink[];
  key: KeyObject;

  constructor() {
    const pair = generateEd25519KeyPair();
    this.key = createPrivateKey(pair.privateKeyPem);
    this.chain = [endorseMapKey(pair.publicKeyPem)];
  }

  rotate(): void {
    const pair = generateEd25519KeyPair();
    this.chain = [...this.chain, endorseMapKey(pair.publicKeyPem, this.key)];
    this.key = createPrivateKey(pair.privateKeyPem);
  }

  map(version: number, extra: Partial<ClusterMap> = {}): ClusterMap {
    const peer = generateEd25519KeyPair().publicKeyPem;
    return signClusterMap(
      {
        version,
        createdAt: version,
        services: [
          { name: 'me', url: 'http://me', region: 'r', weight: 1, status: 'ACTIVE', backend: 'fs' },
          { name: 'peer', url: 'http://peer', region: 'r', weight: 1, status: 'ACTIVE', backend: 'fs', publicKey: peer },
          { name: 'gone', url: 'http://gone', region: 'r', weight: 1, status: 'REMOVED', backend: 'fs', publicKey: peer },
        ],
        options: [],
        rings: [],
        previousRings: [],
        tokenPublicKey: 'unused',
        mapKeys: this.chain,
        ...extra,
      },
      this.key,
    );
  }
}

describe('ClusterMapService (verified maps)', () => {
  let dir: string;
  let controller: FakeController;
  const serviceIn = (dataDir: string) => new ClusterMapService(new ClusterStateStore(dataDir), new AgentIdentity('me', 'r', 'http://me'));

  beforeEach(() => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'mcos-agent-map-'));
    controller = new FakeController();
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('pins the controller key at the first join and keeps the map and the pin private', async () => {
    const data = join(dir, 'data');
    const sut = serviceIn(data);
    await expect(sut.accept(controller.map(1))).rejects.toThrow(UnavailableError);
    expect(await sut.acceptFromRegistration(controller.map(2))).toBe(true);
    expect(sut.joined).toBe(true);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    for (const file of ['cluster-map.json', 'controller-key.json']) expect(statSync(join(data, file)).mode & 0o777).toBe(0o600);
    expect(await sut.accept(controller.map(3))).toBe(true);
    expect(await sut.accept(controller.map(3))).toBe(false);
    expect(sut.version).toBe(3);
  });

  it('refuses forged maps (401) and absurd versions (400), keeping what it holds', async () => {
    const sut = serviceIn(dir);
    await sut.acceptFromRegistration(controller.map(5));
    const attacker = new FakeController();
    await expect(sut.accept(attacker.map(6))).rejects.toThrow(UnauthorizedError);
    const unsigned = { ...controller.map(6), signature: undefined };
    await expect(sut.accept(unsigned)).rejects.toThrow(/not signed/);
    await expect(sut.accept({ ...controller.map(6), tokenPublicKey: 'mine' })).rejects.toThrow(/invalid cluster map signature/);
    await expect(sut.accept(attacker.map(2 ** 53 - 1))).rejects.toThrow(BadRequestError);
    await expect(sut.accept(controller.map(5 + 1_000_001))).rejects.toThrow(/too far ahead/);
    expect(sut.version).toBe(5);
  });

  it('follows an endorsed rotation, also several at once, and pins the new key', async () => {
    const sut = serviceIn(dir);
    await sut.acceptFromRegistration(controller.map(1));
    controller.rotate();
    controller.rotate();
    const rotated = controller.map(2);
    expect(sut.signingKeyOf(rotated)).toBeDefined();
    expect(sut.signingKeyOf(new FakeController().map(2))).toBeUndefined();
    expect(await sut.accept(rotated)).toBe(true);
    expect(sut.issuerKey(CONTROLLER_ISSUER)?.export({ type: 'spki', format: 'pem' })).toBe(controller.chain[2]?.publicKey);
    const restarted = serviceIn(dir);
    await restarted.restore();
    expect(restarted.version).toBe(2);
  });

  it('resumes from the persisted map only when it verifies against the pinned key', async () => {
    const first = serviceIn(dir);
    await first.acceptFromRegistration(controller.map(4));
    const sut = serviceIn(dir);
    await sut.restore();
    expect(sut.version).toBe(4);

    writeFileSync(join(dir, 'cluster-map.json'), JSON.stringify({ ...controller.map(4), version: 2 ** 40 - 1 }));
    const tampered = serviceIn(dir);
    await tampered.restore();
    expect(tampered.version).toBe(0);
    expect(tampered.joined).toBe(true);

    const noPin = join(dir, 'fresh');
    const unpinned = serviceIn(noPin);
    writeFileSync(join(noPin, 'cluster-map.json'), JSON.stringify(controller.map(9)));
    await unpinned.restore();
    expect(unpinned.version).toBe(0);
  });

  it('knows the keys of the controller and of members, none for REMOVED or unknown services', async () => {
    const sut = serviceIn(dir);
    await sut.acceptFromRegistration(controller.map(1));
    expect(sut.issuerKey(CONTROLLER_ISSUER)).toBeDefined();
    expect(sut.issuerKey('peer')).toBeDefined();
    expect(sut.issuerKey('gone')).toBeUndefined();
    expect(sut.issuerKey('me')).toBeUndefined();
    expect(sut.issuerKey('stranger')).toBeUndefined();
  });
});
