import { createHash, createHmac } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoginResponse } from '@mcos/common';
import type { ClusterPlan } from './cluster-plan';
import { send } from './cluster-probe';

/** An S3 access key as the controller makes it (the secret is shown once). */
export interface S3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

const SECRET_MODE = 0o600;

/**
 * The admin's S3 access key for the Quick start: made through the admin API
 * on the first start and kept in <dataDir>/admin-s3-key (0600, beside the
 * admin password, which can make keys anyway, so the file grants nothing
 * more). Made again when the kept one was revoked or the file is gone.
 * @returns undefined when the admin cannot log in or the controller makes no keys.
 */
export async function ensureAdminS3Key(plan: ClusterPlan, admin: { username: string; password: string }, log: (line: string) => void): Promise<S3Key | undefined> {
  const controller = plan.controller.url;
  const login = await send('POST', `${controller}/v1/auth/login`, admin);
  if (login?.status !== 200) return undefined;
  const token = (login.body as LoginResponse).token;
  const keysPath = `${controller}/v1/users/${encodeURIComponent(admin.username)}/keys`;
  const kept = readKey(plan.layout.adminS3KeyFile);
  if (kept) {
    const listed = await send('GET', keysPath, undefined, token);
    const ids = listed?.status === 200 && Array.isArray(listed.body) ? (listed.body as { accessKeyId?: string }[]).map((k) => k.accessKeyId) : undefined;
    if (ids === undefined || ids.includes(kept.accessKeyId)) return kept;
    log(`the admin's S3 key ${kept.accessKeyId} was revoked: making a new one`);
  }
  const made = await send('POST', keysPath, {}, token);
  const key = made?.body as Partial<S3Key> | undefined;
  if ((made?.status !== 201 && made?.status !== 200) || typeof key?.accessKeyId !== 'string' || typeof key.secretAccessKey !== 'string') {
    log(`could not make an S3 access key for ${admin.username} (${made ? `HTTP ${made.status}` : 'no answer'}): make one with "npx mcos keys create"`);
    return undefined;
  }
  const fresh = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  writeFileSync(plan.layout.adminS3KeyFile, `${JSON.stringify(fresh)}\n`, { mode: SECRET_MODE });
  chmodSync(plan.layout.adminS3KeyFile, SECRET_MODE);
  if (!kept) log(`made an S3 access key for ${admin.username} (kept in ${plan.layout.adminS3KeyFile})`);
  return fresh;
}

/**
 * Whether an agent's S3 listener takes the key yet (agents learn keys from
 * the controller's poll): a SigV4-signed ListBuckets answered 200.
 */
export async function s3Accepts(s3Url: string, key: S3Key, now = new Date()): Promise<boolean> {
  const answer = await send('GET', `${s3Url}/`, undefined, undefined, signedListBucketsHeaders(new URL(s3Url).host, key, now));
  return answer?.status === 200;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** SigV4 headers of `GET /` (ListBuckets) with an empty payload, region us-east-1. */
export function signedListBucketsHeaders(host: string, key: S3Key, now: Date): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const signedHeaders = 'host;x-amz-content-sha256;x-amz-date';
  const canonical = ['GET', '/', '', `host:${host}`, `x-amz-content-sha256:${EMPTY_SHA256}`, `x-amz-date:${amzDate}`, '', signedHeaders, EMPTY_SHA256].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let signingKey: Buffer | string = `AWS4${key.secretAccessKey}`;
  for (const part of [day, 'us-east-1', 's3', 'aws4_request']) signingKey = createHmac('sha256', signingKey).update(part).digest();
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return {
    'x-amz-date': amzDate,
    'x-amz-content-sha256': EMPTY_SHA256,
    authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

function readKey(file: string): S3Key | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<S3Key>;
    return typeof value.accessKeyId === 'string' && typeof value.secretAccessKey === 'string' ? { accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey } : undefined;
  } catch {
    return undefined;
  }
}
