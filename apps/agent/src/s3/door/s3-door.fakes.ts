import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ContainerListPage, ContainerView, ObjectListPage, ObjectStat, PutObjectAnswer } from '@mcos/common';
import { ConflictError, NotFoundError, PreconditionFailedError, UnavailableError } from '@mcos/common';
import type { ClusterMapService } from '../../cluster-map/cluster-map.service';
import type { ContainersService } from '../../objects/containers.service';
import type { ContainerListQuery, ObjectListQuery } from '../../objects/listing.service';
import type { GetObjectInput, ObjectHead, ObjectRead, ObjectsService, PutObjectInput } from '../../objects/objects.service';
import type { ObjectAddress } from '../../storage/object-key';
import type { ReplicaVersion } from '../../storage/replica-version';
import type { PublicOf } from '../../testing/typed-fakes';

/**
 * Typed in-memory fakes of the services the S3 door calls, for the door's
 * unit specs: they keep the services' contracts (NotFoundError, conflicts,
 * If-None-Match, ranges, listing order and paging) without a data path.
 */

let clock = Date.UTC(2026, 0, 2, 12, 0, 0);
function timestamp(): string {
  clock += 1000;
  return `${String(clock).padStart(16, '0')}.000000.fake`;
}

export class FakeContainers implements PublicOf<ContainersService> {
  readonly records = new Map<string, ContainerView>();
  /** Set to make listings report that too few agents answered. */
  incomplete = false;

  async create(account: string, name: string, option?: string): Promise<{ container: ContainerView; created: boolean }> {
    const existing = this.records.get(`${account}/${name}`);
    if (existing) return { container: existing, created: false };
    const container = { name, option: option ?? 'standard', createdAt: clock };
    this.records.set(`${account}/${name}`, container);
    return { container, created: true };
  }
  async get(account: string, name: string): Promise<ContainerView> {
    const found = await this.find(account, name);
    if (!found) throw new NotFoundError(`container ${name} not found`);
    return found;
  }
  async remove(account: string, name: string): Promise<void> {
    await this.get(account, name);
    if (this.objects && [...this.objects.data.keys()].some((k) => k.startsWith(`${account}/${name}/`))) throw new ConflictError(`container ${name} is not empty`);
    this.records.delete(`${account}/${name}`);
  }
  async list(account: string, query: ContainerListQuery): Promise<ContainerListPage> {
    const all = [...this.records.entries()]
      .filter(([k, c]) => k.startsWith(`${account}/`) && c.name > (query.marker ?? '') && c.name.startsWith(query.prefix ?? ''))
      .map(([, c]) => c)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    return { containers: all.slice(0, query.limit), truncated: all.length > query.limit, complete: !this.incomplete };
  }
  takenByAnother(account: string, name: string): boolean {
    return [...this.records.keys()].some((k) => k.endsWith(`/${name}`) && !k.startsWith(`${account}/`));
  }
  async find(account: string, name: string): Promise<ContainerView | undefined> {
    return this.records.get(`${account}/${name}`);
  }
  objects?: FakeObjects;
}

interface Stored {
  version: ReplicaVersion;
  bytes: Buffer;
}

export class FakeObjects implements PublicOf<ObjectsService> {
  readonly data = new Map<string, Stored>();
  /** Set to make every write fail as a lost quorum does. */
  unavailable = false;
  /** Set to make listings fail with a bug (not a domain error). */
  brokenListing = false;
  readonly puts: PutObjectInput[] = [];

  constructor(private readonly containers: FakeContainers) {
    containers.objects = this;
  }

  async put(input: PutObjectInput): Promise<PutObjectAnswer> {
    const container = await this.containers.get(input.account, input.container);
    this.puts.push(input);
    const key = `${input.account}/${input.container}/${input.name}`;
    if (input.ifNoneMatch === '*' && this.data.has(key)) throw new PreconditionFailedError('exists');
    const chunks: Buffer[] = [];
    for await (const c of input.body) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    if (this.unavailable) throw new UnavailableError('only 1 of the 2 replicas required could be written');
    const etag = createHash('md5').update(bytes).digest('hex');
    const ts = timestamp();
    const version: ReplicaVersion = {
      timestamp: ts,
      deleted: false,
      option: container.option,
      size: bytes.length,
      etag,
      contentType: input.contentType ?? 'application/octet-stream',
      userMeta: input.userMetadata,
      ...(input.objectHeaders && Object.keys(input.objectHeaders).length > 0 ? { objectHeaders: input.objectHeaders } : {}),
    };
    this.data.set(key, { version, bytes });
    return { etag, size: bytes.length, timestamp: ts, state: 'CREATED', replicas: [] };
  }

  async get(input: GetObjectInput): Promise<ObjectRead> {
    const { version, bytes } = await this.stored(input);
    if (!input.range) return { version, servedBy: 'fake', body: Readable.from([bytes]) };
    if ('suffix' in input.range) throw new Error('the door resolves suffix ranges itself');
    const end = Math.min(input.range.end ?? bytes.length - 1, bytes.length - 1);
    return { version, servedBy: 'fake', range: { start: input.range.start, end }, body: Readable.from([bytes.subarray(input.range.start, end + 1)]) };
  }

  async head(address: ObjectAddress): Promise<ObjectHead> {
    return { version: (await this.stored(address)).version, servedBy: 'fake' };
  }

  async delete(address: ObjectAddress): Promise<void> {
    await this.stored(address);
    this.data.delete(`${address.account}/${address.container}/${address.name}`);
  }

  async stat(): Promise<ObjectStat> {
    throw new Error('not used by the S3 door');
  }

  async list(account: string, containerName: string, query: ObjectListQuery): Promise<ObjectListPage> {
    if (this.brokenListing) throw new TypeError("Cannot read properties of undefined (reading 'name')");
    await this.containers.get(account, containerName);
    const prefix = query.prefix ?? '';
    const base = `${account}/${containerName}/`;
    const names = [...this.data.keys()]
      .filter((k) => k.startsWith(base))
      .map((k) => k.slice(base.length))
      .filter((n) => n.startsWith(prefix) && n > (query.marker ?? ''))
      .sort();
    const objects: ObjectListPage['objects'] = [];
    const subdirs: string[] = [];
    let last: string | undefined;
    let truncated = false;
    for (const name of names) {
      let item = name;
      let isDir = false;
      if (query.delimiter) {
        const at = name.indexOf(query.delimiter, prefix.length);
        if (at >= 0) {
          item = name.slice(0, at + query.delimiter.length);
          isDir = true;
          if (item === last) continue;
        }
      }
      if (objects.length + subdirs.length === query.limit) {
        truncated = true;
        break;
      }
      last = item;
      if (isDir) subdirs.push(item);
      else {
        const v = this.data.get(base + name)!.version;
        objects.push({ name, size: v.size, etag: v.etag, lastModified: new Date(Number(v.timestamp.slice(0, 16))).toISOString() });
      }
    }
    return { objects, subdirs, truncated, nextMarker: truncated ? last : undefined, complete: !this.containers.incomplete };
  }

  private async stored(address: ObjectAddress): Promise<Stored> {
    await this.containers.get(address.account, address.container);
    const found = this.data.get(`${address.account}/${address.container}/${address.name}`);
    if (!found) throw new NotFoundError(`object ${address.name} not found`);
    return found;
  }
}

/** The part of the cluster map the door reads: which options exist. */
export function fakeMap(options: string[]): ClusterMapService {
  return { option: (name: string) => (options.includes(name) ? { name } : undefined) } as unknown as ClusterMapService;
}
