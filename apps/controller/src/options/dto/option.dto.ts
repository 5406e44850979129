import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { IsOptionName, type OptionView } from '@mcos/common';
import { MAX_REPLICAS } from '../../config/storage-option.config';
import { PlacementDto } from './placement.dto';

export class CreateOptionDto {
  @ApiProperty({ example: 'eu-only', description: '1-63 of [A-Za-z0-9._-]' })
  @IsOptionName()
  name!: string;

  @ApiProperty({ description: `Replicas R (1..${MAX_REPLICAS})`, example: 3 })
  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  replicas!: number;

  @ApiProperty({ description: 'Write quorum W (1..R): W = R synchronous, W = 1 asynchronous', example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  writeQuorum!: number;

  @ApiProperty({ description: 'Read quorum Rq (1..R); W + Rq > R gives read-your-writes', example: 2 })
  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  readQuorum!: number;

  @ApiPropertyOptional({ type: PlacementDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;
}

export class UpdateOptionDto {
  @ApiPropertyOptional({ description: 'Replicas R; changing it rebuilds the ring' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  replicas?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  writeQuorum?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  readQuorum?: number;

  @ApiPropertyOptional({ type: PlacementDto, nullable: true, description: 'null clears it; changing it rebuilds the ring' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto | null;
}

export class OptionViewDto implements OptionView {
  @ApiProperty() name!: string;
  @ApiProperty() replicas!: number;
  @ApiProperty() writeQuorum!: number;
  @ApiProperty() readQuorum!: number;
  @ApiPropertyOptional({ type: PlacementDto }) placement?: PlacementDto;
  @ApiProperty({ description: 'W + Rq > R' }) readYourWrites!: boolean;
  @ApiPropertyOptional({ description: 'Current ring version; absent when the option has no ring' }) ringVersion?: number;
  @ApiPropertyOptional({ description: 'Containers using it (largest count an agent reported); absent when unknown' }) containers?: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
