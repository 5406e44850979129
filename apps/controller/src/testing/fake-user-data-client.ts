import type { UserDataClient } from '../users/user-data.client';
import type { PublicOf } from './in-memory-repositories';

/**
 * UserDataClient without HTTP: containers and objects per account, kept in
 * memory. Every call records the token's bearer so tests can check the
 * controller acted as the user.
 */
export class FakeUserDataClient implements PublicOf<UserDataClient> {
  /** account -> container -> object names. */
  readonly data = new Map<string, Map<string, Set<string>>>();
  /** What each call was made with: the token's subject (decoded, not verified). */
  readonly calls: { op: string; account: string }[] = [];
  /** When set, calls throw it (agent down). */
  failWith?: Error;

  put(account: string, container: string, ...objects: string[]): void {
    const containers = this.data.get(account) ?? new Map<string, Set<string>>();
    containers.set(container, new Set([...(containers.get(container) ?? []), ...objects]));
    this.data.set(account, containers);
  }

  async containers(_agentUrl: string, token: string): Promise<{ names: string[]; truncated: boolean }> {
    const account = this.account('containers', token);
    return { names: [...(this.data.get(account)?.keys() ?? [])].sort(), truncated: false };
  }

  async objects(_agentUrl: string, token: string, container: string): Promise<{ names: string[]; nextMarker?: string }> {
    const account = this.account('objects', token);
    return { names: [...(this.data.get(account)?.get(container) ?? [])].sort() };
  }

  async deleteObject(_agentUrl: string, token: string, container: string, name: string): Promise<void> {
    this.data.get(this.account('deleteObject', token))?.get(container)?.delete(name);
  }

  async deleteContainer(_agentUrl: string, token: string, container: string): Promise<void> {
    const containers = this.data.get(this.account('deleteContainer', token));
    if (containers?.get(container)?.size) throw new Error(`container ${container} not empty`);
    containers?.delete(container);
  }

  private account(op: string, token: string): string {
    if (this.failWith) throw this.failWith;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { sub: string };
    this.calls.push({ op, account: claims.sub });
    return claims.sub;
  }
}
