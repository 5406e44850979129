import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '@mcos/common';
import { ControllerConfig } from '../config/controller-config';
import { MetricsService } from '../health/metrics.service';
import { ClusterLock } from './cluster-lock';

/** What every feature may inject: the validated config, the clock, the cluster lock, metrics. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: ControllerConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: ControllerConfig, useValue: config }, { provide: Clock, useClass: SystemClock }, ClusterLock, MetricsService],
      exports: [ControllerConfig, Clock, ClusterLock, MetricsService],
    };
  }
}
