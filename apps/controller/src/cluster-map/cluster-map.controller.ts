import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ClusterMap } from '@mcos/common';
import { AgentOnly } from '../auth/auth.decorators';
import { ClusterMapService } from './cluster-map.service';
import { ClusterMapDto } from './dto/cluster-map.dto';

@ApiTags('cluster map')
@Controller('v1/cluster-map')
export class ClusterMapController {
  constructor(private readonly clusterMap: ClusterMapService) {}

  @Get()
  @AgentOnly()
  @ApiOperation({ summary: 'The current cluster map, signed (agents pull it on start and when they see a newer version)' })
  @ApiOkResponse({ type: ClusterMapDto })
  get(): ClusterMap {
    return this.clusterMap.currentMap();
  }
}
