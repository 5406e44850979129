import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsUrl, Max, MaxLength, Min } from 'class-validator';
import { type BackendKind, IsRegionName, IsServiceName, type RegisterServiceRequest, type RegisterServiceResponse } from '@mcos/common';
import { BACKEND_KINDS, ClusterMapDto } from '../../cluster-map/dto/cluster-map.dto';

export class RegisterServiceDto implements RegisterServiceRequest {
  @ApiProperty({ description: 'Unique service name (1-63 of [A-Za-z0-9._-])', example: 'aws-eu' })
  @IsServiceName()
  name!: string;

  @ApiProperty({ description: 'Base URL the controller and peers reach the agent at', example: 'http://10.0.0.5:7001' })
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ description: 'Failure domain', example: 'aws-eu-west-1' })
  @IsRegionName()
  region!: string;

  @ApiPropertyOptional({ description: 'Ring weight; absent = derived from capacity (GiB)', example: 1 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1e9)
  weight?: number;

  @ApiProperty({ enum: BACKEND_KINDS })
  @IsIn(BACKEND_KINDS)
  backend!: BackendKind;

  @ApiPropertyOptional({ description: 'Total capacity in bytes, when the backend can tell' })
  @IsOptional()
  @IsInt()
  @Min(0)
  capacityTotalBytes?: number;

  @ApiPropertyOptional({ description: 'Used bytes, when the backend can tell' })
  @IsOptional()
  @IsInt()
  @Min(0)
  capacityUsedBytes?: number;

  @ApiPropertyOptional({ description: 'MB/s of a probe write at registration' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  writeMBps?: number;

  @ApiPropertyOptional({ description: 'MB/s of a probe read at registration' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  readMBps?: number;
}

export class RegisterServiceResponseDto implements RegisterServiceResponse {
  @ApiProperty({ description: 'Shared secret for peer and controller<->agent calls' })
  clusterCredential!: string;

  @ApiProperty({ type: ClusterMapDto })
  clusterMap!: ClusterMapDto;
}
