import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { ApiErrors } from '../common/api-errors.decorator';
import { HealthService, HealthView } from './health.service';
import { MetricsService } from './metrics.service';

class HealthViewDto implements HealthView {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty() clusterMapVersion!: number;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the controller and its database answer' })
  @ApiOkResponse({ type: HealthViewDto })
  @ApiErrors(503)
  check(): Promise<HealthView> {
    return this.health.check();
  }

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' } })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
