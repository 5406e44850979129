import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AccessKeysModule } from './access-keys/access-keys.module';
import { AuthModule } from './auth/auth.module';
import { ClusterMapModule } from './cluster-map/cluster-map.module';
import { CoreModule } from './common/core.module';
import { ControllerConfig } from './config/controller-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { OptionsModule } from './options/options.module';
import { PollingModule } from './polling/polling.module';
import { RegistryModule } from './registry/registry.module';
import { RingsModule } from './rings/rings.module';
import { StartupService } from './startup.service';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: ControllerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        ScheduleModule.forRoot(),
        DatabaseModule,
        AuthModule,
        ClusterMapModule,
        RingsModule,
        RegistryModule,
        OptionsModule,
        UsersModule,
        AccessKeysModule,
        PollingModule,
        HealthModule,
      ],
      providers: [StartupService],
    };
  }
}
