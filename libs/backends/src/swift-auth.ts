import { BackendError, BackendUnavailableError } from './backend.errors';
import { SwiftHttpError, header, parseEndpoint, readText, type Session, type SessionSource, type SwiftTransport } from './swift-http';

// Auth of the swift driver: TempAuth v1.0 or Keystone v3 password, and a
// token kept until it is about to expire or is refused.

/** TempAuth (and other v1.0 auth): `GET authUrl` with X-Auth-User / X-Auth-Key. */
export interface SwiftTempAuth {
  type: 'tempauth';
  /** e.g. `http://127.0.0.1:8080/auth/v1.0`. */
  authUrl: string;
  /** `account:user`. */
  username: string;
  /** The user's key. */
  password: string;
}

/** Keystone v3 password auth, scoped to a project; the storage URL comes from the catalog. */
export interface SwiftKeystoneAuth {
  type: 'keystone';
  /** The identity v3 base, e.g. `https://keystone.example:5000/v3`. */
  authUrl: string;
  username: string;
  password: string;
  /** Default `Default`. */
  userDomainName?: string;
  /** Project scope by name (with `projectDomainName`) or by id. */
  projectName?: string;
  projectId?: string;
  /** Default `Default`. */
  projectDomainName?: string;
  /** Catalog region of the object-store endpoint; default: the first one. */
  region?: string;
  /** Catalog interface; default `public`. */
  interface?: 'public' | 'internal' | 'admin';
}

export interface SwiftAuthOptions {
  auth: SwiftTempAuth | SwiftKeystoneAuth;
  /** Overrides the storage URL the auth answer gives (e.g. an internal endpoint). */
  storageUrl?: string;
  /** A token closer than this to its expiry is renewed before a request. */
  refreshMarginMs: number;
}

const MIB = 1024 * 1024;
const AUTH_ERROR_BODY_MAX = 2048;

interface KeystoneTokenDocument {
  token?: {
    expires_at?: string;
    catalog?: { type?: string; endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[] }[];
  };
}

/**
 * The driver's token: obtained on first use, renewed when it is within
 * `refreshMarginMs` of its expiry or after the storage refused it;
 * concurrent requests share one authentication.
 */
export class SwiftAuth implements SessionSource {
  private session?: Session;
  private authenticating?: Promise<Session>;

  constructor(
    private readonly options: SwiftAuthOptions,
    private readonly transport: SwiftTransport,
  ) {}

  async current(): Promise<Session> {
    const s = this.session;
    if (s && (s.expiresAt === undefined || s.expiresAt - Date.now() > this.options.refreshMarginMs)) return s;
    this.authenticating ??= this.authenticate().finally(() => {
      this.authenticating = undefined;
    });
    const fresh = await this.authenticating;
    this.session = fresh;
    return fresh;
  }

  rejected(session: Session): void {
    if (this.session === session) this.session = undefined;
  }

  private async authenticate(): Promise<Session> {
    const auth = this.options.auth;
    try {
      const session = auth.type === 'keystone' ? await this.keystoneAuth(auth) : await this.tempAuth(auth);
      return this.options.storageUrl ? { ...session, storage: parseEndpoint(this.options.storageUrl) } : session;
    } catch (err) {
      if (err instanceof BackendError) throw err;
      throw new BackendUnavailableError(`swift auth at ${auth.authUrl} failed: ${(err as Error)?.message ?? err}`, { cause: err });
    }
  }

  private async tempAuth(auth: SwiftTempAuth): Promise<Session> {
    const target = parseEndpoint(auth.authUrl);
    const { res } = await this.transport.send(target, 'GET', target.basePath || '/', { 'x-auth-user': auth.username, 'x-auth-key': auth.password }, undefined);
    const text = await readText(res, AUTH_ERROR_BODY_MAX);
    const token = header(res.headers, 'x-auth-token');
    const storageUrl = header(res.headers, 'x-storage-url');
    if (res.statusCode !== 200 && res.statusCode !== 204) throw authError(new SwiftHttpError('GET (auth)', res.statusCode ?? 0, text));
    if (!token || !storageUrl) throw new BackendUnavailableError('swift auth answer lacks X-Auth-Token or X-Storage-Url');
    const expires = Number(header(res.headers, 'x-auth-token-expires'));
    return { token, storage: parseEndpoint(storageUrl), expiresAt: Number.isFinite(expires) && expires > 0 ? Date.now() + expires * 1000 : undefined };
  }

  private async keystoneAuth(auth: SwiftKeystoneAuth): Promise<Session> {
    const target = parseEndpoint(auth.authUrl);
    const scope = auth.projectId
      ? { project: { id: auth.projectId } }
      : auth.projectName
        ? { project: { name: auth.projectName, domain: { name: auth.projectDomainName ?? 'Default' } } }
        : undefined;
    const request = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: auth.username, domain: { name: auth.userDomainName ?? 'Default' }, password: auth.password } } },
        ...(scope ? { scope } : {}),
      },
    };
    const { res } = await this.transport.send(
      target,
      'POST',
      `${target.basePath}/auth/tokens`,
      { 'content-type': 'application/json', accept: 'application/json' },
      Buffer.from(JSON.stringify(request)),
    );
    const text = await readText(res, 4 * MIB);
    if (res.statusCode !== 201 && res.statusCode !== 200) throw authError(new SwiftHttpError('POST (keystone auth)', res.statusCode ?? 0, text));
    const token = header(res.headers, 'x-subject-token');
    if (!token) throw new BackendUnavailableError('keystone answer lacks X-Subject-Token');
    const doc = JSON.parse(text) as KeystoneTokenDocument;
    const wanted = auth.interface ?? 'public';
    const endpoints = (doc.token?.catalog ?? []).filter((s) => s.type === 'object-store').flatMap((s) => s.endpoints ?? []);
    const endpoint = endpoints.find((e) => e.interface === wanted && (!auth.region || e.region_id === auth.region || e.region === auth.region));
    if (!endpoint?.url) {
      throw new BackendUnavailableError(`keystone catalog has no object-store endpoint (interface ${wanted}${auth.region ? `, region ${auth.region}` : ''})`);
    }
    const expiresAt = doc.token?.expires_at ? Date.parse(doc.token.expires_at) : NaN;
    return { token, storage: parseEndpoint(endpoint.url), expiresAt: Number.isFinite(expiresAt) ? expiresAt : undefined };
  }
}

function authError(err: SwiftHttpError): BackendError {
  return new BackendUnavailableError(`swift auth refused: ${err.message}`, { cause: err });
}
