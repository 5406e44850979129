import { Injectable } from '@nestjs/common';
import type { ContainerView } from '@mcos/common';
import { HybridClock } from '../clock/hybrid-clock';
import { type ObjectPlacement, PlacementService } from '../placement/placement.service';
import { ReplicatedStore } from '../replicas/replicated-store';
import { EMPTY_MD5, emptyBody } from '../storage/empty-body';
import { type UploadAddress, UPLOAD_ID_PATTERN, uploadKey, uploadName } from '../storage/object-key';
import type { ReplicaVersion } from '../storage/replica-version';
import { NoSuchUploadError } from './multipart.errors';

/** What an open upload keeps: the object's description, fixed at create (the record is a version with an empty body). */
export interface UploadRecord {
  /** When the upload was created (its record's timestamp). */
  timestamp: string;
  option: string;
  contentType?: string;
  userMeta: Record<string, string>;
  objectHeaders?: Record<string, string>;
}

/**
 * The upload records (`u/<account>/<container>/<object>/<uploadId>`): small
 * replicated versions placed by the ring on their index name, written with
 * the option's W quorum and read with its Rq, like objects. A tombstone ends
 * the upload (completed or aborted).
 */
@Injectable()
export class UploadRecords {
  constructor(
    private readonly placements: PlacementService,
    private readonly store: ReplicatedStore,
    private readonly clock: HybridClock,
  ) {}

  placement(address: UploadAddress, option: string): ObjectPlacement {
    return this.placements.forObject(address.account, address.container, uploadName(address), option);
  }

  async create(address: UploadAddress, container: ContainerView, record: Omit<UploadRecord, 'timestamp' | 'option'>): Promise<UploadRecord> {
    const timestamp = this.clock.now();
    const version = {
      timestamp,
      deleted: false,
      option: container.option,
      size: 0,
      etag: EMPTY_MD5,
      contentType: record.contentType,
      userMeta: record.userMeta,
      ...(record.objectHeaders && Object.keys(record.objectHeaders).length > 0 ? { objectHeaders: record.objectHeaders } : {}),
    };
    await this.store.write(uploadKey(address), version, emptyBody(), this.placement(address, container.option).write);
    return { ...record, timestamp, option: container.option };
  }

  /** The newest version of the record (live or tombstone); undefined when no holder has one. */
  async newest(address: UploadAddress, option: string): Promise<ReplicaVersion | undefined> {
    return (await this.store.statNewest(uploadKey(address), this.placement(address, option).read))?.version;
  }

  /** The open upload. @throws NoSuchUploadError (malformed id, unknown, completed or aborted; another key's id is unknown here) */
  async open(address: UploadAddress, container: ContainerView): Promise<UploadRecord> {
    if (!UPLOAD_ID_PATTERN.test(address.uploadId)) throw new NoSuchUploadError(address.uploadId);
    const v = await this.newest(address, container.option);
    if (!v || v.deleted) throw new NoSuchUploadError(address.uploadId);
    return {
      timestamp: v.timestamp,
      option: v.option,
      contentType: v.contentType,
      userMeta: v.userMeta,
      ...(v.objectHeaders ? { objectHeaders: v.objectHeaders } : {}),
    };
  }

  /** Ends the upload: a tombstone newer than the record, on the record's homes. */
  async end(address: UploadAddress, option: string): Promise<void> {
    const tombstone = { timestamp: this.clock.now(), deleted: true, option, size: 0, etag: EMPTY_MD5, userMeta: {} };
    await this.store.write(uploadKey(address), tombstone, emptyBody(), this.placement(address, option).write);
  }
}
