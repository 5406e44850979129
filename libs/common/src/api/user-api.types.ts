import type { LoginResponse } from '../auth/auth.types';

/**
 * The JSON an agent's user API (`/v1`) answers with: one meaning per name,
 * shared by the agent (which produces them) and the CLI (which reads them).
 * Interfaces only; the HTTP headers of object GET/HEAD are not here.
 */

/**
 * Where an object's replicas stand: CREATED on all R homes, CREATING while
 * background replication still brings the missing ones (a W < R write or a
 * handoff), DEGRADED when a home cannot be reached.
 */
export type ReplicaState = 'CREATING' | 'CREATED' | 'DEGRADED';

/** `PUT /v1/containers/{c}/objects/{name}` (201). */
export interface PutObjectAnswer {
  /** MD5 hex of the body. */
  etag: string;
  size: number;
  /** The version's ingress timestamp (`<ms:16>.<counter:6>.<service>`). */
  timestamp: string;
  state: ReplicaState;
  /** The object's homes and any other service that already holds it durably. */
  replicas: { service: string; durable: boolean }[];
}

/** One service's view of an object, in an ObjectStat. */
export interface ReplicaReport {
  service: string;
  region?: string;
  role: 'primary' | 'previous' | 'handoff';
  state: 'current' | 'stale' | 'missing' | 'unreachable';
  timestamp?: string;
}

/** `GET /v1/containers/{c}/objects/{name}?stat`. */
export interface ObjectStat {
  container: string;
  name: string;
  size: number;
  etag: string;
  contentType?: string;
  userMeta: Record<string, string>;
  timestamp: string;
  /** ISO 8601, from the timestamp. */
  lastModified: string;
  option: string;
  partition: number;
  state: ReplicaState;
  replicas: ReplicaReport[];
  /** A multipart object's parts in order, each with its own replicas (absent for other objects). */
  parts?: PartReport[];
}

/** One part of a multipart object in `?stat`: placed by the ring on its own, like an object. */
export interface PartReport {
  partNumber: number;
  size: number;
  etag: string;
  partition: number;
  state: ReplicaState;
  replicas: ReplicaReport[];
}

/** One object in a listing page. */
export interface ObjectListEntry {
  name: string;
  size: number;
  etag: string;
  /** ISO 8601. */
  lastModified: string;
  contentType?: string;
}

/** `GET /v1/containers/{c}/objects?prefix&delimiter&marker&limit`. */
export interface ObjectListPage {
  objects: ObjectListEntry[];
  /** Names rolled up under the delimiter, each ending with it. */
  subdirs: string[];
  truncated: boolean;
  /** Pass as `marker` to read the next page (set when truncated). */
  nextMarker?: string;
  /** False when too few agents answered to be sure the listing is complete. */
  complete: boolean;
}

/** `PUT /v1/containers/{c}` (201 created, 200 existed) and `GET /v1/containers/{c}`. */
export interface ContainerView {
  name: string;
  /** Storage option, fixed for the container's life. */
  option: string;
  /** ms since epoch of the creation. */
  createdAt: number;
}

/** `GET /v1/containers?prefix&marker&limit`. */
export interface ContainerListPage {
  containers: ContainerView[];
  truncated: boolean;
  /** False when too few agents answered to be sure every container is listed. */
  complete: boolean;
}

/**
 * `POST /v1/auth/login` at an agent: the controller's answer, plus, for an
 * admin only, the controller URL(s) this agent uses, so that a login at any
 * agent is enough for the admin commands.
 */
export interface AgentLoginAnswer extends LoginResponse {
  controllers?: string[];
}
