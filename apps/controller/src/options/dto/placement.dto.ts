import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional } from 'class-validator';
import { IsRegionName, IsServiceName } from '@mcos/common';

/** Which services may hold this option's replicas; both lists set means both must match. */
export class PlacementDto {
  @ApiPropertyOptional({ type: [String], description: 'Eligible regions; empty or absent means every region.', example: ['aws-eu-west-1', 'onprem-hanoi'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(256)
  @ArrayUnique()
  @IsRegionName({ each: true })
  regions?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Eligible services by name; empty or absent means every service.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1024)
  @ArrayUnique()
  @IsServiceName({ each: true })
  services?: string[];
}
