import { readFile } from 'node:fs/promises';
import { Injectable, Logger } from '@nestjs/common';
import {
  Clock,
  ConfigError,
  ConflictError,
  hashPassword,
  type LoginResponse,
  NotFoundError,
  UnauthorizedError,
  UnavailableError,
  type UserRole,
  verifyPassword,
} from '@mcos/common';
import { TokenService } from '../auth/token.service';
import { ClusterMapService } from '../cluster-map/cluster-map.service';
import { ClusterLock } from '../common/cluster-lock';
import type { BootstrapAdminConfig } from '../config/controller-config';
import { StateRepository } from '../database/state.repository';
import { ServiceRepository } from '../registry/service.repository';
import { RingRepository } from '../rings/ring.repository';
import { LoginThrottle } from './login-throttle';
import { UserDataClient } from './user-data.client';
import { StoredUser, UserRepository } from './user.repository';

export interface UserView {
  username: string;
  role: UserRole;
  createdAt: string;
  updatedAt: string;
}

/** Lifetime of the token the controller mints to look at or purge a user's data. */
const DATA_TOKEN_TTL_SECONDS = 300;
/** Most listing rounds of one purge: far beyond a real account, a bound on a misbehaving agent. */
const MAX_PURGE_PAGES = 100_000;

/**
 * Users, their scrypt-hashed passwords, and login. Every user has a token
 * generation from one cluster-wide sequence, carried in their tokens and in
 * the signed cluster map: a password reset or a deletion moves it, so every
 * agent refuses the old tokens as soon as it holds the next map. Creating,
 * resetting and deleting publish a map (under the ClusterLock).
 *
 * The bootstrap admin from the config is created on a start that does not
 * find it, and never overwritten afterwards.
 */
@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);
  /** Hash checked when the user does not exist, so both paths cost the same. */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly repo: UserRepository,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
    private readonly lock: ClusterLock,
    private readonly clusterMap: ClusterMapService,
    private readonly state: StateRepository,
    private readonly services: ServiceRepository,
    private readonly rings: RingRepository,
    private readonly data: UserDataClient,
  ) {}

  /** Creates the configured admin if missing. Runs inside the ClusterLock at start; true when it created one (the caller publishes). */
  async bootstrapAdmin(config: BootstrapAdminConfig | undefined): Promise<boolean> {
    if (!config) {
      if ((await this.repo.countAdmins()) === 0) this.logger.warn('no admin user exists and no bootstrapAdmin is configured');
      return false;
    }
    if (await this.repo.findByName(config.username)) return false;
    const password = config.passwordFile ? await readPasswordFile(config.passwordFile) : (config.password as string);
    await this.save(config.username, 'admin', password);
    this.logger.log(`created bootstrap admin ${config.username}`);
    return true;
  }

  /**
   * @param address the client's address (see LoginThrottle).
   * @throws UnauthorizedError wrong username or password (one message for both).
   * @throws TooManyRequestsError too many failures lately (checked before the password).
   */
  async login(username: string, password: string, address = 'unknown'): Promise<LoginResponse> {
    this.throttle.check(username, address);
    const found = await this.repo.findByName(username);
    const user = found?.deletingAt === undefined ? found : undefined;
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.decoy()));
    if (!user || !valid) {
      this.throttle.failed(username, address);
      this.logger.warn(`failed login for ${JSON.stringify(username)} from ${address}`);
      throw new UnauthorizedError('Invalid username or password');
    }
    this.throttle.succeeded(username, address);
    return this.tokens.issue(user.username, user.role, user.tokenGeneration);
  }

  async list(): Promise<UserView[]> {
    return (await this.repo.findAll()).map(toView);
  }

  async get(username: string): Promise<UserView> {
    return toView(await this.required(username));
  }

  /** @throws ConflictError the username is taken (also while a deleted user of that name is being purged). */
  create(username: string, password: string, role: UserRole): Promise<UserView> {
    return this.lock.run(async () => {
      const existing = await this.repo.findByName(username);
      if (existing) {
        throw new ConflictError(existing.deletingAt === undefined ? `User ${username} already exists` : `User ${username} is being deleted; try again later`);
      }
      const user = await this.save(username, role, password);
      await this.clusterMap.publish(`user ${username} created`);
      return toView(user);
    });
  }

  /** A new password, and a new generation: the user's tokens stop working everywhere. */
  resetPassword(username: string, password: string): Promise<void> {
    return this.lock.run(async () => {
      const user = await this.required(username);
      const passwordHash = await hashPassword(password);
      await this.repo.save({ ...user, passwordHash, tokenGeneration: await this.nextGeneration(), updatedAt: this.clock.now() });
      await this.clusterMap.publish(`user ${username}: password reset, tokens revoked`);
    });
  }

  /**
   * Deletes a user and revokes their tokens. A user who owns containers is
   * refused unless `purge`: then the user is marked DELETING (the name stays
   * taken, their tokens are revoked), their objects and containers are
   * deleted through an ACTIVE agent's user API with a short-lived token
   * minted for them, and the row goes last. A purge that fails half-way
   * leaves the user DELETING; DELETE ?purge=true again finishes it.
   *
   * @throws ConflictError the last admin, or containers exist and purge is false.
   * @throws UnavailableError no agent could be asked about the user's data.
   */
  async delete(username: string, purge = false): Promise<void> {
    const user = await this.lock.run(async () => {
      const found = await this.required(username);
      if (found.role === 'admin' && found.deletingAt === undefined && (await this.repo.countAdmins()) <= 1) {
        throw new ConflictError(`${username} is the last admin and cannot be deleted`);
      }
      return found;
    });
    if (!purge && user.deletingAt === undefined) {
      const owned = await this.containerSample(user);
      if (owned.length > 0) throw ownsData(username, owned);
    }
    // DELETING with a new generation first: from the next map on, no token of the user works any more.
    const generation = await this.lock.run(async () => {
      const current = await this.required(username);
      const next = await this.nextGeneration();
      await this.repo.save({ ...current, deletingAt: current.deletingAt ?? this.clock.now(), tokenGeneration: next, updatedAt: this.clock.now() });
      await this.clusterMap.publish(`user ${username} deleting`);
      return next;
    });
    if (purge) {
      await this.purgeData(user, generation);
    } else {
      const owned = await this.containerSample({ ...user, tokenGeneration: generation });
      if (owned.length > 0) {
        // A container appeared meanwhile: give the user back (they log in again: their old tokens stay revoked).
        await this.lock.run(async () => {
          const current = await this.required(username);
          await this.repo.save({ ...current, deletingAt: undefined, updatedAt: this.clock.now() });
          await this.clusterMap.publish(`user ${username} kept: owns data`);
        });
        throw ownsData(username, owned);
      }
    }
    await this.lock.run(async () => {
      await this.repo.delete(username);
      await this.clusterMap.publish(`user ${username} deleted`);
    });
    this.logger.log(`deleted user ${username}${purge ? ' and their data' : ''}`);
  }

  /** Up to one page of the user's container names; empty when no data can exist yet (no ring). */
  private async containerSample(user: StoredUser): Promise<string[]> {
    const token = this.tokens.issue(user.username, user.role, user.tokenGeneration, DATA_TOKEN_TTL_SECONDS).token;
    return (await this.withDataAgent((agent) => this.data.containers(agent, token)))?.names ?? [];
  }

  private async purgeData(user: StoredUser, generation: number): Promise<void> {
    const token = () => this.tokens.issue(user.username, user.role, generation, DATA_TOKEN_TTL_SECONDS).token;
    await this.withDataAgent(async (agent) => {
      let pages = 0;
      for (;;) {
        const { names } = await this.data.containers(agent, token());
        if (names.length === 0) return;
        for (const container of names) {
          let marker: string | undefined;
          do {
            if (++pages > MAX_PURGE_PAGES) throw new UnavailableError(`purge of ${user.username} did not finish; DELETE again with ?purge=true`);
            const page = await this.data.objects(agent, token(), container, marker);
            for (const name of page.names) await this.data.deleteObject(agent, token(), container, name);
            marker = page.nextMarker;
          } while (marker !== undefined);
          await this.data.deleteContainer(agent, token(), container);
        }
      }
    });
  }

  /**
   * Runs `work` against the first ACTIVE agent that answers (each one tried
   * in turn while they are unreachable); undefined without running it when
   * no ring exists yet, since then no data can exist.
   *
   * @throws UnavailableError rings exist but no ACTIVE agent answered.
   */
  private async withDataAgent<T>(work: (agentUrl: string) => Promise<T>): Promise<T | undefined> {
    if ((await this.rings.count()) === 0) return undefined;
    const active = (await this.services.findAll()).filter((s) => s.status === 'ACTIVE');
    let last: unknown;
    for (const service of active) {
      try {
        return await work(service.url);
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
        last = error;
        this.logger.warn(`user data at ${service.name}: ${error.message}`);
      }
    }
    throw new UnavailableError('no ACTIVE agent could check or remove the user\'s data; try again when one is up', { cause: last });
  }

  private async save(username: string, role: UserRole, password: string): Promise<StoredUser> {
    const now = this.clock.now();
    const user: StoredUser = {
      username,
      role,
      passwordHash: await hashPassword(password),
      createdAt: now,
      updatedAt: now,
      tokenGeneration: await this.nextGeneration(),
    };
    await this.repo.save(user);
    return user;
  }

  /** One cluster-wide sequence, so a re-created user's generation is above every token of the old one. Inside the lock. */
  private async nextGeneration(): Promise<number> {
    const next = Number((await this.state.get('userGenerationSeq')) ?? '0') + 1;
    await this.state.set('userGenerationSeq', String(next));
    return next;
  }

  private async required(username: string): Promise<StoredUser> {
    const user = await this.repo.findByName(username);
    if (!user) throw new NotFoundError(`No user named ${username}`);
    return user;
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword('decoy password that never matches');
    return this.decoyHash;
  }
}

function ownsData(username: string, containers: string[]): ConflictError {
  const shown = containers.slice(0, 5).join(', ');
  return new ConflictError(
    `User ${username} owns containers (${shown}${containers.length > 5 ? ', ...' : ''}); delete them first or DELETE /v1/users/${username}?purge=true`,
  );
}

async function readPasswordFile(path: string): Promise<string> {
  let password: string;
  try {
    password = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw new ConfigError([`bootstrapAdmin.passwordFile cannot be read: ${(error as Error).message}`]);
  }
  if (password.length < 8) throw new ConfigError([`bootstrapAdmin.passwordFile ${path} must hold at least 8 characters`]);
  return password;
}

function toView(user: StoredUser): UserView {
  return {
    username: user.username,
    role: user.role,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}
