import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import type { OptionRingView, RebuildResult, RingAction, RingChange, RingDetails, RingMovement, RingServiceShare, ServiceMovement } from '@mcos/common';

export class RebuildQueryDto {
  @ApiPropertyOptional({ description: 'Only report what a rebuild would do', default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  dryRun?: boolean;
}

export class RingServiceShareDto implements RingServiceShare {
  @ApiProperty() name!: string;
  @ApiProperty() region!: string;
  @ApiProperty() weight!: number;
  @ApiProperty({ description: 'Partition-replicas held' }) partitionReplicas!: number;
  @ApiProperty({ description: 'What its weight asks for' }) desired!: number;
  @ApiProperty({ description: '(actual - desired) / desired, %' }) balancePercent!: number;
}

export class ServiceMoveCountDto {
  @ApiProperty() gained!: number;
  @ApiProperty() lost!: number;
}

export class RingMovementDto implements RingMovement {
  @ApiProperty() fromVersion!: number;
  @ApiProperty({ description: 'Partition-replicas whose holder changed' }) moved!: number;
  @ApiProperty({ description: 'Theoretical minimum for this change' }) minimumMoves!: number;
  @ApiProperty({ description: 'Moves left for a later rebalance (one replica per partition at a time)' }) remainingMoves!: number;
  @ApiProperty() multiMovePartitions!: number;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/ServiceMoveCountDto' } })
  byService!: Record<string, ServiceMoveCountDto>;
}

export class RingDetailsDto implements RingDetails {
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() checksum!: string;
  @ApiProperty() replicas!: number;
  @ApiProperty() partitionPower!: number;
  @ApiProperty() partitions!: number;
  @ApiProperty({ description: 'Worst per-service deviation from its share, %' }) balancePercent!: number;
  @ApiProperty({ description: 'Partitions spread over as many regions as possible, %' }) dispersionPercent!: number;
  @ApiProperty({ type: [RingServiceShareDto] }) services!: RingServiceShareDto[];
  @ApiPropertyOptional({ type: RingMovementDto }) lastRebalance?: RingMovementDto;
  @ApiPropertyOptional() previousVersion?: number;
}

export class OptionRingViewDto implements OptionRingView {
  @ApiProperty() option!: string;
  @ApiProperty() replicas!: number;
  @ApiProperty() built!: boolean;
  @ApiPropertyOptional({ description: 'Why there is no ring, or why a rebalance is pending' }) reason?: string;
  @ApiProperty() pendingRebalance!: boolean;
  @ApiPropertyOptional({ type: RingDetailsDto }) ring?: RingDetailsDto;
}

export class ServiceMovementDto implements ServiceMovement {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Partition-replicas before' }) before!: number;
  @ApiProperty({ description: 'Partition-replicas after' }) after!: number;
  @ApiProperty() gained!: number;
  @ApiProperty() lost!: number;
  @ApiProperty({ description: 'Bytes leaving this service (estimate from its reported index size)' }) estimatedBytes!: number;
}

export class RingChangeDto implements RingChange {
  @ApiProperty() option!: string;
  @ApiProperty({ enum: ['build', 'rebalance', 'unchanged', 'skipped'] }) action!: RingAction;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional() currentVersion?: number;
  @ApiPropertyOptional() newVersion?: number;
  @ApiProperty() moved!: number;
  @ApiProperty() minimumMoves!: number;
  @ApiProperty() remainingMoves!: number;
  @ApiProperty({ type: [ServiceMovementDto] }) services!: ServiceMovementDto[];
  @ApiProperty() estimatedBytesToMove!: number;
  @ApiProperty() bytesEstimateComplete!: boolean;
}

export class RebuildResultDto implements RebuildResult {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty() clusterMapVersion!: number;
  @ApiProperty({ type: [RingChangeDto] }) options!: RingChangeDto[];
}
