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
  type UserRole,
  verifyPassword,
} from '@mcos/common';
import { TokenService } from '../auth/token.service';
import type { BootstrapAdminConfig } from '../config/controller-config';
import { LoginThrottle } from './login-throttle';
import { StoredUser, UserRepository } from './user.repository';

export interface UserView {
  username: string;
  role: UserRole;
  createdAt: string;
  updatedAt: string;
}

/**
 * Users, their scrypt-hashed passwords, and login. The bootstrap admin from
 * the config is created on a start that does not find it, and never
 * overwritten afterwards (an admin may have changed its password).
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
  ) {}

  async bootstrapAdmin(config: BootstrapAdminConfig | undefined): Promise<void> {
    if (!config) {
      if ((await this.repo.countAdmins()) === 0) this.logger.warn('no admin user exists and no bootstrapAdmin is configured');
      return;
    }
    if (await this.repo.findByName(config.username)) return;
    const password = config.passwordFile ? await readPasswordFile(config.passwordFile) : (config.password as string);
    await this.save(config.username, 'admin', password);
    this.logger.log(`created bootstrap admin ${config.username}`);
  }

  /**
   * @throws UnauthorizedError wrong username or password (one message for both).
   * @throws TooManyRequestsError too many failures for this username lately (checked before the password).
   */
  async login(username: string, password: string): Promise<LoginResponse> {
    this.throttle.check(username);
    const user = await this.repo.findByName(username);
    const valid = await verifyPassword(password, user?.passwordHash ?? (await this.decoy()));
    if (!user || !valid) {
      this.throttle.failed(username);
      this.logger.warn(`failed login for ${JSON.stringify(username)}`);
      throw new UnauthorizedError('Invalid username or password');
    }
    this.throttle.succeeded(username);
    return this.tokens.issue(user.username, user.role);
  }

  async list(): Promise<UserView[]> {
    return (await this.repo.findAll()).map(toView);
  }

  async get(username: string): Promise<UserView> {
    return toView(await this.required(username));
  }

  /** @throws ConflictError the username is taken. */
  async create(username: string, password: string, role: UserRole): Promise<UserView> {
    if (await this.repo.findByName(username)) throw new ConflictError(`User ${username} already exists`);
    return toView(await this.save(username, role, password));
  }

  async resetPassword(username: string, password: string): Promise<void> {
    const user = await this.required(username);
    await this.repo.save({ ...user, passwordHash: await hashPassword(password), updatedAt: this.clock.now() });
  }

  /** @throws ConflictError deleting the last admin. */
  async delete(username: string): Promise<void> {
    const user = await this.required(username);
    if (user.role === 'admin' && (await this.repo.countAdmins()) <= 1) {
      throw new ConflictError(`${username} is the last admin and cannot be deleted`);
    }
    await this.repo.delete(username);
  }

  private async save(username: string, role: UserRole, password: string): Promise<StoredUser> {
    const now = this.clock.now();
    const user: StoredUser = { username, role, passwordHash: await hashPassword(password), createdAt: now, updatedAt: now };
    await this.repo.save(user);
    return user;
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
