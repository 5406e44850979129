import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { BackendKind, BackgroundProgress, ClusterProgress, DistanceMatrix, ServiceProgress, ServiceStatus, ServiceView } from '@mcos/common';
import { BACKEND_KINDS, SERVICE_STATUSES } from '../../cluster-map/dto/cluster-map.dto';
import type { WeightSource } from '../registered-service';

export class BackgroundProgressDto implements BackgroundProgress {
  @ApiProperty() scanned!: number;
  @ApiProperty() pushed!: number;
  @ApiProperty() moved!: number;
  @ApiProperty() deleted!: number;
  @ApiProperty() corrupt!: number;
  @ApiProperty() failures!: number;
  @ApiProperty({ description: 'Age in ms of the oldest write not yet on all its primaries' }) oldestUnreplicatedMs!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Objects still to migrate per option' })
  remainingByOption!: Record<string, number>;
  @ApiPropertyOptional({ description: 'ms since epoch of the last full pass' }) lastPassAt?: number;
}

export class CapacityDto {
  @ApiPropertyOptional() totalBytes?: number;
  @ApiPropertyOptional() usedBytes?: number;
}

export class SpeedDto {
  @ApiPropertyOptional() writeMBps?: number;
  @ApiPropertyOptional() readMBps?: number;
}

export class ServiceViewDto implements ServiceView {
  @ApiProperty() name!: string;
  @ApiProperty() url!: string;
  @ApiProperty() region!: string;
  @ApiProperty({ enum: BACKEND_KINDS }) backend!: BackendKind;
  @ApiProperty({ enum: SERVICE_STATUSES }) status!: ServiceStatus;
  @ApiProperty() weight!: number;
  @ApiProperty({ enum: ['configured', 'capacity', 'default'] }) weightSource!: WeightSource;
  @ApiProperty({ type: CapacityDto }) capacity!: CapacityDto;
  @ApiProperty({ type: SpeedDto }) speed!: SpeedDto;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Round-trip ms to each peer' })
  distancesMs!: Record<string, number>;
  @ApiPropertyOptional({ description: 'Cluster map version the agent reported last' }) clusterMapVersion?: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Ring version per option the agent holds' })
  ringVersions!: Record<string, number>;
  @ApiPropertyOptional({ type: BackgroundProgressDto }) progress?: BackgroundProgressDto;
  @ApiProperty({ description: 'Consecutive failed polls' }) missedPolls!: number;
  @ApiProperty({ format: 'date-time' }) registeredAt!: string;
  @ApiPropertyOptional({ format: 'date-time' }) lastSeenAt?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Last health report since the controller started' }) lastReportAt?: string;
}

export class DistanceMatrixDto implements DistanceMatrix {
  @ApiProperty({ type: [String] }) services!: string[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'number' } },
    description: 'matrixMs[from][to]: round-trip ms that `from` measured to `to`',
  })
  matrixMs!: Record<string, Record<string, number>>;
}

export class ServiceProgressDto implements ServiceProgress {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: SERVICE_STATUSES }) status!: ServiceStatus;
  @ApiPropertyOptional({ format: 'date-time' }) reportedAt?: string;
  @ApiPropertyOptional({ type: BackgroundProgressDto }) progress?: BackgroundProgressDto;
}

export class ProgressTotalsDto {
  @ApiProperty() scanned!: number;
  @ApiProperty() pushed!: number;
  @ApiProperty() moved!: number;
  @ApiProperty() deleted!: number;
  @ApiProperty() corrupt!: number;
  @ApiProperty() failures!: number;
}

export class ClusterProgressDto implements ClusterProgress {
  @ApiProperty() clusterMapVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Objects still to migrate, per option, summed over services' })
  remainingByOption!: Record<string, number>;
  @ApiProperty({ description: 'Sum of remainingByOption' }) remaining!: number;
  @ApiProperty({ description: 'Oldest write not yet on all primaries, over all services (ms)' }) oldestUnreplicatedMs!: number;
  @ApiProperty({ type: ProgressTotalsDto }) totals!: ProgressTotalsDto;
  @ApiProperty({ type: [String], description: 'ACTIVE services that have not reported since the controller started' })
  unreported!: string[];
  @ApiProperty({ description: 'Every ACTIVE service reported, nothing remains, nothing unreplicated' }) settled!: boolean;
  @ApiProperty({ type: [ServiceProgressDto] }) services!: ServiceProgressDto[];
}
