import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsIdentifier } from '@mcos/common';

export class CreateContainerDto {
  @ApiPropertyOptional({ description: 'Storage option; fixed for the container\'s life. Default: standard.' })
  @IsOptional()
  @IsIdentifier()
  option?: string;
}

export class ListQueryDto {
  @IsOptional()
  @IsString()
  prefix?: string;

  @IsOptional()
  @IsString()
  marker?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit: number = 1000;
}

export class ListObjectsQueryDto extends ListQueryDto {
  @IsOptional()
  @IsString()
  delimiter?: string;

  /** `?stat` on an object GET; accepted (and ignored) on listings. */
  @IsOptional()
  stat?: string;
}
