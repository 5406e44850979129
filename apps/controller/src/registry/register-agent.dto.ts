import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { MAX_PUBLIC_KEY_PEM_LENGTH, type RegisterServiceResponse } from '@mcos/common';
import { ClusterMapDto } from '../cluster-map/dto/cluster-map.dto';
import { RegisterServiceDto } from './dto/register-service.dto';

/** Registration body with the agent's own identity key (issue 13). */
export class RegisterAgentDto extends RegisterServiceDto {
  @ApiProperty({
    description:
      'PEM (SPKI) of the agent\'s own Ed25519 identity key. The request\'s x-mcos-assertion must be signed with it (issuer = name, ' +
      'audience = "@controller"). A known name keeps the key it first registered with until an admin re-admits it.',
  })
  @IsString()
  @MaxLength(MAX_PUBLIC_KEY_PEM_LENGTH)
  publicKey!: string;
}

export class RegisterAgentResponseDto implements RegisterServiceResponse {
  @ApiProperty({ type: ClusterMapDto, description: 'The current map, signed; the agent pins its last mapKeys link' })
  clusterMap!: ClusterMapDto;
}
