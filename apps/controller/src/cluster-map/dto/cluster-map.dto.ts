import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { BackendKind, ClusterMap, RingEntry, ServiceInfo, ServiceStatus, StorageOption } from '@mcos/common';
import { PlacementDto } from '../../options/dto/placement.dto';

export const SERVICE_STATUSES: ServiceStatus[] = ['ACTIVE', 'DISCONNECTED', 'SHUTOFF', 'REMOVED'];
export const BACKEND_KINDS: BackendKind[] = ['fs', 's3', 'swift', 'azure'];

export class ServiceInfoDto implements ServiceInfo {
  @ApiProperty({ example: 'aws-eu' })
  name!: string;

  @ApiProperty({ example: 'http://10.0.0.5:7001' })
  url!: string;

  @ApiProperty({ example: 'aws-eu-west-1' })
  region!: string;

  @ApiProperty({ description: 'Ring weight in use' })
  weight!: number;

  @ApiProperty({ enum: SERVICE_STATUSES })
  status!: ServiceStatus;

  @ApiProperty({ enum: BACKEND_KINDS })
  backend!: BackendKind;
}

export class StorageOptionDto implements StorageOption {
  @ApiProperty({ example: 'standard' })
  name!: string;

  @ApiProperty({ description: 'Replicas R', example: 3 })
  replicas!: number;

  @ApiProperty({ description: 'Write quorum W (1..R)', example: 2 })
  writeQuorum!: number;

  @ApiProperty({ description: 'Read quorum Rq (1..R)', example: 2 })
  readQuorum!: number;

  @ApiPropertyOptional({ type: PlacementDto })
  placement?: PlacementDto;
}

export class RingEntryDto implements RingEntry {
  @ApiProperty()
  option!: string;

  @ApiProperty()
  version!: number;

  @ApiProperty()
  checksum!: string;

  @ApiProperty({ description: 'base64 of the serialised ring (@mcos/ring)' })
  data!: string;
}

export class ClusterMapDto implements ClusterMap {
  @ApiProperty({ description: 'Monotonically increasing, never reused' })
  version!: number;

  @ApiProperty({ description: 'ms since epoch' })
  createdAt!: number;

  @ApiProperty({ type: [ServiceInfoDto] })
  services!: ServiceInfoDto[];

  @ApiProperty({ type: [StorageOptionDto] })
  options!: StorageOptionDto[];

  @ApiProperty({ type: [RingEntryDto] })
  rings!: RingEntryDto[];

  @ApiProperty({ type: [RingEntryDto], description: 'Each option\'s ring before its current one (reads during migration)' })
  previousRings!: RingEntryDto[];

  @ApiProperty({ description: 'PEM (SPKI) of the Ed25519 key that signs user tokens' })
  tokenPublicKey!: string;
}
