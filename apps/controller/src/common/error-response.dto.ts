import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Body of every error answer (see DomainExceptionFilter). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiPropertyOptional({ example: 'replicas must not be less than 1' })
  message?: string;

  @ApiPropertyOptional({ description: 'Only on 500: quote it when reporting the problem.' })
  requestId?: string;
}
