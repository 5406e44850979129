import { DynamicModule, Module } from '@nestjs/common';
import { AccessKeysModule } from './access-keys/access-keys.module';
import { AgentConfig } from './config/agent-config';
import { AgentConfigModule } from './config/agent-config.module';
import { ControlApiModule } from './control-api/control-api.module';
import { UserApiModule } from './http/user-api.module';
import { IndexModule } from './index/index.module';
import { MembershipModule } from './membership/membership.module';
import { PeerApiModule } from './peer-api/peer-api.module';
import { RepairModule } from './repair/repair.module';
import { S3DoorModule } from './s3/door/s3-door.module';

/**
 * The agent: its doors (user API, peer API, controller-facing API, and the
 * S3 door that main.ts serves on its own listener when s3 is configured),
 * its life in the cluster and its background repair. Everything below the
 * doors comes in through their imports (see docs/architecture.md, "The
 * agent's data path").
 */
@Module({})
export class AgentModule {
  static forRoot(config: AgentConfig): DynamicModule {
    return {
      module: AgentModule,
      imports: [AgentConfigModule.forRoot(config), UserApiModule, PeerApiModule, ControlApiModule, MembershipModule, RepairModule, IndexModule, AccessKeysModule, S3DoorModule.forRoot(AccessKeysModule)],
    };
  }
}
