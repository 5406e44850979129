import { Module } from '@nestjs/common';
import { Clock } from '@mcos/common';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AgentAccessKeysController, MyAccessKeysController, UserAccessKeysController } from './access-keys.controller';
import { AccessKeysService } from './access-keys.service';
import { KeyChangeThrottle } from './key-change-throttle';
import { UserTokenGuard } from './user-token.guard';

/** Users' S3 access keys: made and revoked here, handed to agents sealed (the repository lives in DatabaseModule). */
@Module({
  imports: [ClusterMapModule],
  controllers: [UserAccessKeysController, MyAccessKeysController, AgentAccessKeysController],
  providers: [AccessKeysService, UserTokenGuard, { provide: KeyChangeThrottle, useFactory: (clock: Clock) => new KeyChangeThrottle(clock), inject: [Clock] }],
})
export class AccessKeysModule {}
