import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, verify } from 'node:crypto';
import {
  type AccessKeySecret,
  type AgentAccessKeysAnswer,
  type AgentAccessKeysRequest,
  type ClusterMap,
  generateEd25519KeyPair,
  ManualClock,
  parseX25519PublicKey,
  publicKeyPemOf,
  sealAccessKeys,
  sealingKeyBindingBytes,
  UnavailableError,
} from '@mcos/common';
import type { ClusterMapService } from '../cluster-map/cluster-map.service';
import type { AccessKeysClient } from './access-keys.client';
import { AccessKeysFiles, SEALED_KEYS_FILE, SEALING_KEY_FILE } from './access-keys-files';
import { AccessKeysSync } from './access-keys-sync';
import { AgentAccessKeyStore } from './agent-access-key.store';

const AGENT = 'agent-1';
const ALICE = { accessKeyId: 'MCOSAAAAAAAAAAAAAAAA', owner: 'alice', generation: 4, secret: 'alice-secret-0123456789012345678901234567' };
const BOB = { accessKeyId: 'MCOSBBBBBBBBBBBBBBBB', owner: 'bob', generation: 2, secret: 'bob-secret-01234567890123456789012345678' };

/** The controller as the sync sees it: seals its current keys to the key the agent sends, like the real one. */
class FakeController {
  keys: AccessKeySecret[] = [];
  version = 1;
  down = false;
  requests: AgentAccessKeysRequest[] = [];
  /** Answers handed out later, in a chosen order. */
  hold = false;
  held: (() => void)[] = [];

  async fetchKeys(request: AgentAccessKeysRequest): Promise<AgentAccessKeysAnswer> {
    this.requests.push(structuredClone(request));
    if (this.down) throw new UnavailableError('controller unreachable');
    const answer: AgentAccessKeysAnswer =
      request.haveVersion === this.version ? { unchanged: true, version: this.version } : { unchanged: false, set: sealAccessKeys(this.keys, parseX25519PublicKey(request.sealingKey)!, AGENT, this.version) };
    if (!this.hold) return answer;
    return new Promise((resolve) => this.held.push(() => resolve(answer)));
  }
}

class FakeMap {
  current?: Pick<ClusterMap, 'users' | 'accessKeysVersion'>;
  readonly listeners: ((map: ClusterMap) => void)[] = [];
  onChange(listener: (map: ClusterMap) => void): void {
    this.listeners.push(listener);
  }
  publish(map: Pick<ClusterMap, 'users' | 'accessKeysVersion'>): void {
    this.current = map;
    for (const l of this.listeners) l(map as ClusterMap);
  }
}

describe('AccessKeysSync + AgentAccessKeyStore', () => {
  let dir: string;
  let controller: FakeController;
  let map: FakeMap;
  let clock: ManualClock;
  const identity = createPrivateKey(generateEd25519KeyPair().privateKeyPem);

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-access-keys-'));
    controller = new FakeController();
    map = new FakeMap();
    map.current = { users: { alice: 4, bob: 2 } };
    clock = new ManualClock(1_700_000_000_000);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function agent() {
    const store = new AgentAccessKeyStore(map as unknown as ClusterMapService, clock);
    const sut = new AccessKeysSync(
      { agent: AGENT, refreshIntervalMs: 60_000 },
      store,
      new AccessKeysFiles(dir),
      controller as unknown as AccessKeysClient,
      map as unknown as ClusterMapService,
      identity,
    );
    await sut.restore();
    return { sut, store };
  }

  it('fetches with a sealing key bound to the agent identity, and resolves the keys', async () => {
    controller.keys = [ALICE, BOB];
    const { sut, store } = await agent();
    await sut.refresh();
    const request = controller.requests[0]!;
    expect(verify(null, sealingKeyBindingBytes(AGENT, request.sealingKey), publicKeyPemOf(identity), Buffer.from(request.sealingKeySignature, 'base64url'))).toBe(true);
    await expect(store.lookup(ALICE.accessKeyId)).resolves.toEqual({ secret: ALICE.secret, owner: 'alice' });
    await expect(store.lookup('MCOSCCCCCCCCCCCCCCCC')).resolves.toBeUndefined();
  });

  it('keeps the set sealed on disk (0600, no secret in clear) and its sealing key 0600', async () => {
    controller.keys = [ALICE];
    const { sut } = await agent();
    await sut.refresh();
    const text = readFileSync(join(dir, SEALED_KEYS_FILE), 'utf8');
    expect(text).toContain(ALICE.accessKeyId);
    expect(text).not.toContain(ALICE.secret);
    expect(statSync(join(dir, SEALED_KEYS_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, SEALING_KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('restarts with the controller down and still resolves the keys from the sealed copy', async () => {
    controller.keys = [ALICE];
    await (await agent()).sut.refresh();
    controller.down = true;
    const { sut, store } = await agent();
    await sut.refresh();
    await expect(store.lookup(ALICE.accessKeyId)).resolves.toEqual({ secret: ALICE.secret, owner: 'alice' });
  });

  it('ignores a tampered sealed copy at start', async () => {
    controller.keys = [ALICE];
    await (await agent()).sut.refresh();
    const file = join(dir, SEALED_KEYS_FILE);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"owner":"alice"', '"owner":"bob"'));
    const { store } = await agent();
    expect(store.size).toBe(0);
  });

  it('drops a revoked key on the next fetch, and keeps the set while the controller is down', async () => {
    controller.keys = [ALICE, BOB];
    const { sut, store } = await agent();
    await sut.refresh();
    controller.keys = [ALICE];
    controller.version = 2;
    await sut.refresh();
    await expect(store.lookup(BOB.accessKeyId)).resolves.toBeUndefined();
    controller.down = true;
    await sut.refresh();
    await expect(store.lookup(ALICE.accessKeyId)).resolves.toBeDefined();
    expect(store.version).toBe(2);
  });

  it('never takes an older set than the one it holds', async () => {
    const store = new AgentAccessKeyStore(map as unknown as ClusterMapService, clock);
    expect(store.install(3, [ALICE])).toBe(true);
    expect(store.install(2, [ALICE, BOB])).toBe(false);
    await expect(store.lookup(BOB.accessKeyId)).resolves.toBeUndefined();
  });

  it('asks for "unchanged" with the version it holds, and refetches when the map announces another version', async () => {
    controller.keys = [ALICE];
    const { sut, store } = await agent();
    sut.start();
    try {
      await waitUntil(() => store.version === 1);
      controller.keys = [ALICE, BOB];
      controller.version = 2;
      map.publish({ users: { alice: 4, bob: 2 }, accessKeysVersion: 2 });
      await waitUntil(() => store.version === 2);
      await expect(store.lookup(BOB.accessKeyId)).resolves.toBeDefined();
      expect(controller.requests.slice(1).every((r) => r.haveVersion === 1)).toBe(true);
    } finally {
      sut.stop();
    }
  });

  it("refuses keys of a user missing from the map or whose generation moved (reset, deleted), with no fetch", async () => {
    controller.keys = [ALICE, BOB];
    const { sut, store } = await agent();
    await sut.refresh();
    map.current = { users: { alice: 5 } };
    await expect(store.lookup(ALICE.accessKeyId)).resolves.toBeUndefined();
    await expect(store.lookup(BOB.accessKeyId)).resolves.toBeUndefined();
    map.current = undefined;
    await expect(store.lookup(ALICE.accessKeyId)).resolves.toBeUndefined();
  });

  it('reports uses to the minute with the next fetch, once', async () => {
    controller.keys = [ALICE];
    const { sut, store } = await agent();
    await sut.refresh();
    clock.advance(30_000);
    await store.lookup(ALICE.accessKeyId);
    await store.lookup(ALICE.accessKeyId);
    await sut.refresh();
    const minute = Math.floor(clock.now() / 60_000) * 60_000;
    expect(controller.requests[1]!.lastUsed).toEqual({ [ALICE.accessKeyId]: minute });
    await sut.refresh();
    expect(controller.requests[2]!.lastUsed).toBeUndefined();
  });

  it('keeps unreported uses while the controller is down', async () => {
    controller.keys = [ALICE];
    const { sut, store } = await agent();
    await sut.refresh();
    await store.lookup(ALICE.accessKeyId);
    controller.down = true;
    await sut.refresh();
    controller.down = false;
    await sut.refresh();
    expect(controller.requests[2]!.lastUsed).toEqual({ [ALICE.accessKeyId]: Math.floor(clock.now() / 60_000) * 60_000 });
  });

  it('runs one fetch at a time; a request during a fetch makes one more after it', async () => {
    controller.keys = [ALICE];
    const { sut } = await agent();
    controller.hold = true;
    const first = sut.refresh();
    const second = sut.refresh();
    const third = sut.refresh();
    await waitUntil(() => controller.held.length === 1);
    controller.held.shift()!();
    await waitUntil(() => controller.held.length === 1);
    controller.held.shift()!();
    await Promise.all([first, second, third]);
    expect(controller.requests).toHaveLength(2);
  });
});

/** Polls (the sync writes files with fsync, so a number of event-loop turns is not enough) until a deadline. */
async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
