import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

/** `DELETE /v1/users/{username}?purge=true|false`. */
export class DeleteUserQuery {
  @ApiPropertyOptional({
    description:
      'false (default): refuse with 409 while the user owns containers. true: delete the user\'s objects and containers too ' +
      '(the user stays DELETING, their name taken and their tokens revoked, until the purge is done; repeat the call to finish an interrupted purge).',
    default: false,
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'purge must be true or false' })
  purge?: boolean;
}
