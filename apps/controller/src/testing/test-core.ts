import { Logger } from '@nestjs/common';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { CONTROLLER_ISSUER, generateEd25519KeyPair, ManualClock, signAssertion } from '@mcos/common';
import { ClusterSecretsService } from '../auth/cluster-secrets.service';
import { ServiceIdentityService } from '../auth/service-identity.service';
import { TokenService } from '../auth/token.service';
import type { AgentClient } from '../cluster-map/agent.client';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { MapPusher } from '../cluster-map/map-pusher';
import { ClusterLock } from '../common/cluster-lock';
import { ControllerConfig, defaultStorageOptions } from '../config/controller-config';
import type { StateRepository } from '../database/state.repository';
import { MetricsService } from '../health/metrics.service';
import type { OptionRepository } from '../options/option.repository';
import { OptionsService } from '../options/options.service';
import { HealthStore } from '../registry/health.store';
import { RegistryService } from '../registry/registry.service';
import type { ServiceRepository } from '../registry/service.repository';
import { RingBuilderService } from '../rings/ring-builder.service';
import type { RingRepository } from '../rings/ring.repository';
import { RingsService } from '../rings/rings.service';
import type { UserRepository } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from '../users/login-throttle';
import { FakeAgentClient } from './fake-agent-client';
import { FakeUserDataClient } from './fake-user-data-client';
import type { UserDataClient } from '../users/user-data.client';
import {
  asReal,
  InMemoryOptionRepository,
  InMemoryRingRepository,
  InMemoryServiceRepository,
  InMemoryStateRepository,
  InMemoryUserRepository,
} from './in-memory-repositories';

export const TEST_JOIN_TOKEN = 'join-token-for-tests';

/**
 * The controller's services wired as in the app, with in-memory repositories,
 * a manual clock, a fake agent client and the real ring library: for unit
 * tests of the logic, without Nest, a database or HTTP. Silences Nest's logger.
 */
export async function createTestCore(overrides: Partial<ControllerConfig> = {}) {
  Logger.overrideLogger(false);
  const config = Object.assign(new ControllerConfig(), { joinToken: TEST_JOIN_TOKEN, partitionPower: 8, expectedServices: 3 }, overrides);
  const clock = new ManualClock();
  const lock = new ClusterLock();
  const metrics = new MetricsService();
  const repos = {
    services: new InMemoryServiceRepository(),
    options: new InMemoryOptionRepository(),
    rings: new InMemoryRingRepository(),
    state: new InMemoryStateRepository(),
    users: new InMemoryUserRepository(),
  };
  const services = asReal<ServiceRepository>(repos.services);
  const options = asReal<OptionRepository>(repos.options);
  const rings = asReal<RingRepository>(repos.rings);
  const state = asReal<StateRepository>(repos.state);
  const health = new HealthStore();
  const userRepo = asReal<UserRepository>(repos.users);
  const secrets = new ClusterSecretsService(state, config, clock);
  await secrets.onModuleInit();
  const identities = new ServiceIdentityService(secrets, clock);
  const agents = new FakeAgentClient();
  const pusher = new MapPusher(asReal<AgentClient>(agents), metrics);
  const clusterMap = new ClusterMapService(state, services, options, rings, userRepo, secrets, identities, pusher, clock, metrics);
  const ringsService = new RingsService(config, clock, lock, services, options, rings, state, health, new RingBuilderService(), clusterMap);
  const registry = new RegistryService(config, clock, lock, services, health, ringsService, clusterMap, secrets, identities);
  const optionsService = new OptionsService(clock, lock, options, ringsService, rings, services, health, state, clusterMap);
  const tokens = new TokenService(secrets, config, clock);
  const userData = new FakeUserDataClient();
  const throttle = new LoginThrottle(clock, { ...DEFAULT_LOGIN_THROTTLE, ...config.loginThrottle });
  const users = new UsersService(userRepo, tokens, clock, throttle, lock, clusterMap, state, services, rings, asReal<UserDataClient>(userData));
  await optionsService.seedDefaults(defaultStorageOptions());
  await clusterMap.init();
  return {
    config,
    clock,
    lock,
    metrics,
    repos,
    health,
    secrets,
    identities,
    agents,
    pusher,
    clusterMap,
    rings: ringsService,
    registry,
    options: optionsService,
    tokens,
    users,
    userData,
  };
}

export type TestCore = Awaited<ReturnType<typeof createTestCore>>;

/** Lets queued background work (pushes) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** An agent's identity as a test holds it: its key pair, made once per name per process. */
export interface TestIdentity {
  publicKey: string;
  privateKey: KeyObject;
  /** An assertion by this identity to the controller, valid at `nowMs`. */
  assertion(nowMs: number, issuer?: string): string;
}

const identities = new Map<string, TestIdentity>();

export function identityOf(name: string): TestIdentity {
  let identity = identities.get(name);
  if (!identity) {
    const pair = generateEd25519KeyPair();
    const privateKey = createPrivateKey(pair.privateKeyPem);
    identity = {
      publicKey: pair.publicKeyPem,
      privateKey,
      assertion: (nowMs, issuer = name) => signAssertion({ iss: issuer, aud: CONTROLLER_ISSUER, iat: nowMs, exp: nowMs + 60_000 }, privateKey),
    };
    identities.set(name, identity);
  }
  return identity;
}

/** Registers a service backed by a fake agent at http://<name>.test, with its own identity key. */
export async function join(core: TestCore, name: string, region = `region-${name}`, extra: { weight?: number; capacityTotalBytes?: number } = {}) {
  const url = `http://${name}.test`;
  const agent = core.agents.agents.get(url) ?? core.agents.add(url, { name });
  const identity = identityOf(name);
  const response = await core.registry.register(
    { name, url, region, backend: 'fs', publicKey: identity.publicKey, ...extra },
    { assertion: identity.assertion(core.clock.now()) },
  );
  agent.held = response.clusterMap.version;
  return { url, agent, response, identity };
}

/** Registers `name` again (restart, new URL) with its identity key. */
export function rejoin(core: TestCore, name: string, request: { url: string; region: string; capacityTotalBytes?: number }) {
  const identity = identityOf(name);
  return core.registry.register({ name, backend: 'fs', publicKey: identity.publicKey, ...request }, { assertion: identity.assertion(core.clock.now()) });
}
