import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import { ClusterMapModule } from '../../cluster-map/cluster-map.module';
import { AgentConfig } from '../../config/agent-config';
import { LimitsModule } from '../../limits/limits.module';
import { MultipartModule } from '../../multipart/multipart.module';
import { ObjectsModule } from '../../objects/objects.module';
import { StorageModule } from '../../storage/storage.module';
import { S3BucketOperations } from './bucket-operations';
import { S3ListingOperations } from './listing-operations';
import { S3MultipartOperations } from './multipart-operations';
import { S3_DOOR_LIMITS, S3ObjectOperations, type S3DoorLimits } from './object-operations';
import { S3_DOOR_SETTINGS, S3DoorHandler, type S3DoorSettings } from './s3-door.handler';

/**
 * The S3 door over the same data path as /v1 (objects/ → placement/ →
 * replicas/). `credentials` is the module that provides the
 * S3CredentialStore port (the agent's copy of the controller's access keys);
 * main.ts serves S3DoorHandler.listener on the s3.host/s3.port listener.
 */
@Module({})
export class S3DoorModule {
  static forRoot(credentials: NonNullable<ModuleMetadata['imports']>[number]): DynamicModule {
    return {
      module: S3DoorModule,
      imports: [LimitsModule, ObjectsModule, MultipartModule, ClusterMapModule, StorageModule, credentials],
      providers: [
        {
          provide: S3_DOOR_SETTINGS,
          useFactory: (config: AgentConfig): S3DoorSettings => ({ domain: config.s3?.domain }),
          inject: [AgentConfig],
        },
        {
          provide: S3_DOOR_LIMITS,
          useFactory: (config: AgentConfig, backend: ObjectBackend): S3DoorLimits => ({ maxObjectBytes: config.maxObjectBytes, maxKeyBytes: backend.maxKeyBytes }),
          inject: [AgentConfig, ObjectBackend],
        },
        S3BucketOperations,
        S3ListingOperations,
        S3ObjectOperations,
        S3MultipartOperations,
        S3DoorHandler,
      ],
      exports: [S3DoorHandler],
    };
  }
}
