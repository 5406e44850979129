import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { IsOptionName } from '@mcos/common';
import { PlacementDto } from '../options/dto/placement.dto';

export const MAX_REPLICAS = 16;

/** One default option in the config file; quorum rules are checked by OptionsService at seed time. */
export class StorageOptionConfig {
  @IsOptionName()
  name!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  replicas!: number;

  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  writeQuorum!: number;

  @IsInt()
  @Min(1)
  @Max(MAX_REPLICAS)
  readQuorum!: number;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;

  static of(name: string, replicas: number, writeQuorum: number, readQuorum: number): StorageOptionConfig {
    return Object.assign(new StorageOptionConfig(), { name, replicas, writeQuorum, readQuorum });
  }
}
