import type { Readable } from 'node:stream';
import type { ApiClient } from '../http/api.client';
import { encodeObjectName } from '../http/api.client';

/**
 * The agents' user-API multipart routes (`/v1/containers/{c}/uploads/{name}`,
 * bearer token: no S3 key needed). The same uploads as S3's: an upload made
 * here can be listed, completed or aborted through S3 and the other way.
 */
export interface CreatedUpload {
  uploadId: string;
}

export interface UploadedPart {
  partNumber: number;
  /** MD5 hex of the part's bytes. */
  etag: string;
  size: number;
}

export interface CompletedUpload {
  size: number;
  /** The object's ETag, `<md5 of the parts' md5s>-<parts>`. */
  etag: string;
  parts: number;
  timestamp?: string;
}

export function uploadsPath(container: string, name: string, query = ''): string {
  return `/v1/containers/${encodeURIComponent(container)}/uploads/${encodeObjectName(name)}${query ? `?${query}` : ''}`;
}

export class MultipartApi {
  constructor(private readonly client: ApiClient) {}

  async create(container: string, name: string, headers: Record<string, string>): Promise<string> {
    const answer = await this.client.json<CreatedUpload>('POST', uploadsPath(container, name), undefined, [], headers);
    if (typeof answer.body?.uploadId !== 'string' || answer.body.uploadId === '') throw new Error('the agent answered no upload id');
    return answer.body.uploadId;
  }

  async uploadPart(container: string, name: string, uploadId: string, partNumber: number, body: Readable, size: number, md5?: string): Promise<UploadedPart> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (md5) headers['content-md5'] = Buffer.from(md5, 'hex').toString('base64');
    const query = `uploadId=${encodeURIComponent(uploadId)}&partNumber=${partNumber}`;
    return (await this.client.upload<UploadedPart>('PUT', uploadsPath(container, name, query), body, headers, size)).body;
  }

  async complete(container: string, name: string, uploadId: string, parts: { partNumber: number; etag: string }[], headers: Record<string, string> = {}): Promise<CompletedUpload> {
    return (await this.client.json<CompletedUpload>('POST', uploadsPath(container, name, `uploadId=${encodeURIComponent(uploadId)}`), { parts }, [], headers)).body;
  }

  async abort(container: string, name: string, uploadId: string): Promise<void> {
    await this.client.json('DELETE', uploadsPath(container, name, `uploadId=${encodeURIComponent(uploadId)}`), undefined, [404]);
  }
}
