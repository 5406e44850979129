import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { BackendKind, ServiceStatus } from '@mcos/common';
import type { RegisteredService, WeightSource } from './registered-service';
import { ServiceEntity } from './service.entity';

@Injectable()
export class ServiceRepository {
  constructor(@InjectRepository(ServiceEntity) private readonly rows: Repository<ServiceEntity>) {}

  /** All services, ordered by name. */
  async findAll(): Promise<RegisteredService[]> {
    const rows = await this.rows.find({ order: { name: 'ASC' } });
    return rows.map(toDomain);
  }

  async findByName(name: string): Promise<RegisteredService | undefined> {
    const row = await this.rows.findOneBy({ name });
    return row ? toDomain(row) : undefined;
  }

  async save(service: RegisteredService): Promise<void> {
    await this.rows.save(toEntity(service));
  }
}

function toDomain(row: ServiceEntity): RegisteredService {
  return {
    name: row.name,
    url: row.url,
    region: row.region,
    backend: row.backend as BackendKind,
    status: row.status as ServiceStatus,
    weight: row.weight,
    weightSource: row.weightSource as WeightSource,
    capacityTotalBytes: row.capacityTotalBytes ?? undefined,
    capacityUsedBytes: row.capacityUsedBytes ?? undefined,
    writeMBps: row.writeMBps ?? undefined,
    readMBps: row.readMBps ?? undefined,
    distancesMs: row.distancesMs ?? {},
    registeredAt: row.registeredAt,
    updatedAt: row.updatedAt,
    lastSeenAt: row.lastSeenAt ?? undefined,
    publicKey: row.publicKey ?? undefined,
    revokedAt: row.revokedAt ?? undefined,
    readmittedAt: row.readmittedAt ?? undefined,
  };
}

function toEntity(service: RegisteredService): ServiceEntity {
  return Object.assign(new ServiceEntity(), {
    ...service,
    capacityTotalBytes: service.capacityTotalBytes ?? null,
    capacityUsedBytes: service.capacityUsedBytes ?? null,
    writeMBps: service.writeMBps ?? null,
    readMBps: service.readMBps ?? null,
    lastSeenAt: service.lastSeenAt ?? null,
    publicKey: service.publicKey ?? null,
    revokedAt: service.revokedAt ?? null,
    readmittedAt: service.readmittedAt ?? null,
  });
}
