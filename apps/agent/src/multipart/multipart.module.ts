import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ObjectBackend } from '@mcos/backends';
import { ClockModule } from '../clock/clock.module';
import { ClusterMapModule } from '../cluster-map/cluster-map.module';
import { AgentConfig } from '../config/agent-config';
import { IndexModule } from '../index/index.module';
import { ObjectsModule } from '../objects/objects.module';
import { PlacementModule } from '../placement/placement.module';
import { BackgroundWorkService } from '../repair/background-work.service';
import { RepairModule } from '../repair/repair.module';
import { ReplicasModule } from '../replicas/replicas.module';
import { StorageModule } from '../storage/storage.module';
import { MultipartGc } from './multipart-gc';
import { MULTIPART_SETTINGS, type MultipartSettings, S3_MAX_PART_BYTES, S3_MIN_PART_BYTES } from './multipart-settings';
import { MultipartService } from './multipart.service';
import { UploadRecords } from './upload-records';

/** Multipart uploads for every door (S3 now): the service, its records, and the GC and expiry passes. */
@Module({
  imports: [ObjectsModule, ClusterMapModule, ClockModule, IndexModule, PlacementModule, ReplicasModule, RepairModule, StorageModule],
  providers: [
    {
      provide: MULTIPART_SETTINGS,
      useFactory: (config: AgentConfig, backend: ObjectBackend): MultipartSettings => ({
        minPartBytes: S3_MIN_PART_BYTES,
        maxPartBytes: Math.min(S3_MAX_PART_BYTES, config.maxObjectBytes),
        maxKeyBytes: backend.maxKeyBytes,
        gcGraceMs: config.multipart.gcGraceSeconds * 1000,
        abandonAfterMs: config.multipart.abandonAfterHours * 3600_000,
        gcPartsPerPass: config.multipart.gcPartsPerPass,
      }),
      inject: [AgentConfig, ObjectBackend],
    },
    UploadRecords,
    MultipartService,
    MultipartGc,
  ],
  exports: [MultipartService],
})
export class MultipartModule implements OnModuleInit {
  private readonly logger = new Logger('MultipartGc');

  constructor(
    private readonly config: AgentConfig,
    private readonly work: BackgroundWorkService,
    private readonly gc: MultipartGc,
  ) {}

  onModuleInit(): void {
    this.work.register('multipart', this.config.multipart.gcIntervalMs, async () => {
      const expired = await this.gc.runExpiryPass();
      const gc = await this.gc.runGcPass();
      if (expired.aborted || gc.removed || expired.failures || gc.failures) {
        this.logger.log(`multipart pass: ${expired.aborted} abandoned uploads aborted, ${gc.removed} unreferenced parts removed, ${gc.kept} kept, ${expired.failures + gc.failures} failures`);
      }
    });
  }
}
