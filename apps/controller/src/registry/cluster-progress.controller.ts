import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { ClusterProgressDto } from './dto/service-view.dto';
import { ClusterProgress, RegistryService } from './registry.service';

@ApiTags('services')
@Controller('v1/cluster')
export class ClusterProgressController {
  constructor(private readonly registry: RegistryService) {}

  @Get('progress')
  @AdminOnly()
  @ApiOperation({ summary: 'Background work of the agents: what remains to migrate per option, totals, lag' })
  @ApiOkResponse({ type: ClusterProgressDto })
  progress(): Promise<ClusterProgress> {
    return this.registry.progress();
  }
}
