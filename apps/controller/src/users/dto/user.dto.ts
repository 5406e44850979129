import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { type CreateUserRequest, IsUsername, type LoginRequest, type LoginResponse, USER_ROLES, type UserRole, type UserView } from '@mcos/common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

export class LoginDto implements LoginRequest {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MaxLength(63)
  username!: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class LoginResponseDto implements LoginResponse {
  @ApiProperty({ description: 'Bearer token (JWT, EdDSA); agents verify it with the cluster map\'s public key' })
  token!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ enum: USER_ROLES })
  role!: UserRole;
}

/** The least privilege: a new account is an admin only when asked for. */
export const DEFAULT_USER_ROLE: UserRole = 'user';

export class CreateUserDto implements CreateUserRequest {
  @ApiProperty({ example: 'alice', description: '1-63 of [A-Za-z0-9._-]' })
  @IsUsername()
  username!: string;

  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;

  @ApiPropertyOptional({ enum: USER_ROLES, default: DEFAULT_USER_ROLE, description: 'Absent: user (the least privilege)' })
  // Only an absent role takes the default: null is refused like any other non-role.
  @ValidateIf((_dto: CreateUserDto, value: unknown) => value !== undefined)
  @IsIn(USER_ROLES)
  // The global ValidationPipe (transform: true) builds the DTO with `new`, so an absent role keeps this value.
  role: UserRole = DEFAULT_USER_ROLE;
}

export class ResetPasswordDto {
  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class UserViewDto implements UserView {
  @ApiProperty() username!: string;
  @ApiProperty({ enum: USER_ROLES }) role!: UserRole;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
