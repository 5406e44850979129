import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { AccessKeyView, AgentAccessKeysRequest, CreatedAccessKey, SealedAccessKey, SealedAccessKeySet } from '@mcos/common';

export class AccessKeyViewDto implements AccessKeyView {
  @ApiProperty({ example: 'MCOSJ6Q2ZC5RT3WB7KXA', description: '20 characters: MCOS + 16 base32' })
  accessKeyId!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'To the minute, as the agents report it (with their key refresh); absent until first used' })
  lastUsedAt?: string;
}

export class CreatedAccessKeyDto implements CreatedAccessKey {
  @ApiProperty({ example: 'MCOSJ6Q2ZC5RT3WB7KXA' })
  accessKeyId!: string;

  @ApiProperty({ description: '40 characters; shown in this answer only, never again', example: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })
  secretAccessKey!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class AgentAccessKeysRequestDto implements AgentAccessKeysRequest {
  @ApiProperty({ description: "The agent's X25519 public key: raw 32 bytes, base64url (43 characters)" })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/)
  sealingKey!: string;

  @ApiProperty({ description: "Ed25519 signature (base64url) by the agent's identity key over 'mcos-sealing-key-v1\\0<agent>\\0<sealingKey>'" })
  @IsString()
  @MaxLength(128)
  @Matches(/^[A-Za-z0-9_-]+$/)
  sealingKeySignature!: string;

  @ApiPropertyOptional({ description: 'The accessKeysVersion of the set the agent holds; equal to the current one -> {unchanged: true}' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  haveVersion?: number;

  @ApiPropertyOptional({ description: 'access key id -> ms since the epoch of its last use at this agent (to the minute); at most 10,000', type: 'object', additionalProperties: { type: 'integer' } })
  @IsOptional()
  @IsObject()
  lastUsed?: Record<string, number>;
}

class SealedAccessKeyDto implements SealedAccessKey {
  @ApiProperty()
  accessKeyId!: string;

  @ApiProperty()
  owner!: string;

  @ApiProperty({ description: "The owner's token generation when the key was made; the key dies when it moves" })
  generation!: number;

  @ApiProperty({ description: 'AES-GCM nonce, base64url' })
  iv!: string;

  @ApiProperty({ description: 'AES-256-GCM ciphertext + tag of the secret, base64url' })
  sealed!: string;
}

class SealedAccessKeySetDto implements SealedAccessKeySet {
  @ApiProperty()
  version!: number;

  @ApiProperty()
  agent!: string;

  @ApiProperty({ description: 'Ephemeral X25519 public key of this answer, raw base64url' })
  ephemeralKey!: string;

  @ApiProperty({ description: 'HKDF-SHA256 salt, base64url' })
  salt!: string;

  @ApiProperty({ type: [SealedAccessKeyDto] })
  keys!: SealedAccessKeyDto[];
}

export class AgentAccessKeysAnswerDto {
  @ApiProperty({ description: 'True when the agent already holds this version: no keys in the answer' })
  unchanged!: boolean;

  @ApiPropertyOptional()
  version?: number;

  @ApiPropertyOptional({ type: SealedAccessKeySetDto })
  set?: SealedAccessKeySetDto;
}
