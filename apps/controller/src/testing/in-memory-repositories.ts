import type { OptionRepository, StoredOption } from '../options/option.repository';
import type { RegisteredService } from '../registry/registered-service';
import type { ServiceRepository } from '../registry/service.repository';
import type { RingPair, RingRepository } from '../rings/ring.repository';
import type { StoredRing } from '../rings/stored-ring';
import type { StateKey, StateRepository } from '../database/state.repository';
import type { StoredUser, UserRepository } from '../users/user.repository';

/** The public surface of a class: what a typed fake must implement. */
export type PublicOf<T> = { [K in keyof T]: T[K] };

/** Passes a typed fake where the real class is expected (private members differ). */
export function asReal<T>(fake: PublicOf<T>): T {
  return fake as T;
}

const clone = <T>(value: T): T => structuredClone(value);

export class InMemoryServiceRepository implements PublicOf<ServiceRepository> {
  readonly rows = new Map<string, RegisteredService>();

  async findAll(): Promise<RegisteredService[]> {
    return [...this.rows.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(clone);
  }

  async findByName(name: string): Promise<RegisteredService | undefined> {
    const row = this.rows.get(name);
    return row && clone(row);
  }

  async save(service: RegisteredService): Promise<void> {
    this.rows.set(service.name, clone(service));
  }
}

export class InMemoryOptionRepository implements PublicOf<OptionRepository> {
  readonly rows = new Map<string, StoredOption>();

  async findAll(): Promise<StoredOption[]> {
    return [...this.rows.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(clone);
  }

  async findByName(name: string): Promise<StoredOption | undefined> {
    const row = this.rows.get(name);
    return row && clone(row);
  }

  async save(option: StoredOption): Promise<void> {
    this.rows.set(option.name, clone(option));
  }

  async delete(name: string): Promise<void> {
    this.rows.delete(name);
  }
}

export class InMemoryRingRepository implements PublicOf<RingRepository> {
  readonly pairs = new Map<string, RingPair>();

  async findAll(): Promise<Map<string, RingPair>> {
    return new Map([...this.pairs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, clone(v)]));
  }

  async count(): Promise<number> {
    return this.pairs.size;
  }

  async replace(ring: StoredRing): Promise<void> {
    const current = this.pairs.get(ring.option)?.current;
    this.pairs.set(ring.option, { current: clone(ring), previous: current });
  }

  async deleteForOption(option: string): Promise<void> {
    this.pairs.delete(option);
  }
}

export class InMemoryStateRepository implements PublicOf<StateRepository> {
  readonly values = new Map<StateKey, string>();

  async get(key: StateKey): Promise<string | undefined> {
    return this.values.get(key);
  }

  async set(key: StateKey, value: string): Promise<void> {
    this.values.set(key, value);
  }

  async setIfAbsent(key: StateKey, value: string): Promise<string> {
    if (!this.values.has(key)) this.values.set(key, value);
    return this.values.get(key) as string;
  }

  async delete(key: StateKey): Promise<void> {
    this.values.delete(key);
  }

  async ping(): Promise<void> {}
}

export class InMemoryUserRepository implements PublicOf<UserRepository> {
  readonly rows = new Map<string, StoredUser>();

  async findAll(): Promise<StoredUser[]> {
    return [...this.rows.values()].sort((a, b) => (a.username < b.username ? -1 : 1)).map(clone);
  }

  async findByName(username: string): Promise<StoredUser | undefined> {
    const row = this.rows.get(username);
    return row && clone(row);
  }

  async countAdmins(): Promise<number> {
    return [...this.rows.values()].filter((u) => u.role === 'admin').length;
  }

  async generations(): Promise<Record<string, number>> {
    return Object.fromEntries([...this.rows.values()].sort((a, b) => (a.username < b.username ? -1 : 1)).map((u) => [u.username, u.tokenGeneration]));
  }

  async save(user: StoredUser): Promise<void> {
    this.rows.set(user.username, clone(user));
  }

  async delete(username: string): Promise<void> {
    this.rows.delete(username);
  }
}
