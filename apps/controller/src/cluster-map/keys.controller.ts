import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { KeyRotation, KeyRotationService } from './key-rotation.service';

export class KeyRotationDto implements KeyRotation {
  @ApiProperty({ description: 'Id of the new key (base64url of 12 bytes of SHA-256 over its SPKI DER)' })
  keyId!: string;

  @ApiProperty({ description: 'The cluster map version that carries it (pushed to every ACTIVE agent at once)' })
  clusterMapVersion!: number;
}

@ApiTags('cluster map')
@AdminOnly()
@Controller('v1/cluster/keys')
export class KeysController {
  constructor(private readonly rotation: KeyRotationService) {}

  @Post('map/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the controller\'s map-signing key',
    description:
      'The new key is endorsed by the old one in the map\'s key chain; agents accept it from the key they pinned, even after being away. ' +
      'The controller\'s assertions to agents use the new key from then on.',
  })
  @ApiOkResponse({ type: KeyRotationDto })
  rotateMapKey(): Promise<KeyRotation> {
    return this.rotation.rotateMapKey();
  }

  @Post('token/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the user-token signing key',
    description: 'New tokens carry the new key id; the old key stays in the map (tokens signed with it keep working) until they have all expired.',
  })
  @ApiOkResponse({ type: KeyRotationDto })
  rotateTokenKey(): Promise<KeyRotation> {
    return this.rotation.rotateTokenKey();
  }
}
