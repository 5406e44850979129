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

  async save(user: StoredUser): Promise<void> {
    await this.rows.save(Object.assign(new UserEntity(), user));
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
  };
}
