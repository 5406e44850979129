import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { IsUsername, type LoginRequest, type LoginResponse, USER_ROLES, type UserRole } from '@mcos/common';
import type { UserView } from '../users.service';

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

export class CreateUserDto {
  @ApiProperty({ example: 'alice', description: '1-63 of [A-Za-z0-9._-]' })
  @IsUsername()
  username!: string;

  @ApiProperty({ format: 'password', minLength: PASSWORD_MIN_LENGTH })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;

  @ApiProperty({ enum: USER_ROLES, example: 'user' })
  @IsIn(USER_ROLES)
  role!: UserRole;
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
