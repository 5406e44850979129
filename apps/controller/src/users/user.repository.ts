import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { UserRole } from '@mcos/common';
import { UserEntity } from './user.entity';

export interface StoredUser {
  username: string;
  role: UserRole;
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
  /** Lowest token generation accepted: bumped on a password reset and when the data purge starts. */
  tokenGeneration: number;
  /** Set while a delete purges the user's data (the name stays taken). */
  deletingAt?: number;
}

@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly rows: Repository<UserEntity>) {}

  async findAll(): Promise<StoredUser[]> {
    const rows = await this.rows.find({ order: { username: 'ASC' } });
    return rows.map(toDomain);
  }

  async findByName(username: string): Promise<StoredUser | undefined> {
    const row = await this.rows.findOneBy({ username });
    return row ? toDomain(row) : undefined;
  }

  async countAdmins(): Promise<number> {
    return this.rows.countBy({ role: 'admin' });
  }

  /** username -> lowest token generation accepted, for every user (deleting ones included). */
  async generations(): Promise<Record<string, number>> {
    const rows = await this.rows.find({ select: { username: true, tokenGeneration: true }, order: { username: 'ASC' } });
    return Object.fromEntries(rows.map((r) => [r.username, r.tokenGeneration ?? 0]));
  }

  async save(user: StoredUser): Promise<void> {
    await this.rows.save(Object.assign(new UserEntity(), { ...user, deletingAt: user.deletingAt ?? null }));
  }

  async delete(username: string): Promise<void> {
    await this.rows.delete({ username });
  }
}

function toDomain(row: UserEntity): StoredUser {
  return {
    username: row.username,
    role: row.role as UserRole,
    passwordHash: row.passwordHash,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    tokenGeneration: row.tokenGeneration ?? 0,
    deletingAt: row.deletingAt ?? undefined,
  };
}
