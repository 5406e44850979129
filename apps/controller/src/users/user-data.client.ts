import { Injectable } from '@nestjs/common';
import { type ContainerListPage, type ObjectListPage, UnavailableError } from '@mcos/common';

/** Time allowed to one call to an agent's user API. */
const CALL_TIMEOUT_MS = 30_000;

/**
 * The controller's client of an agent's user API, used only to look at and
 * remove a user's data when the user is deleted. It acts with a short-lived
 * token minted for that user, so it sees exactly what the user sees.
 * Every failure (transport, 5xx, unexpected answer) is an UnavailableError.
 */
@Injectable()
export class UserDataClient {
  /** One page of the user's containers (names only). */
  async containers(agentUrl: string, token: string, marker?: string): Promise<{ names: string[]; truncated: boolean }> {
    const query = marker === undefined ? '' : `?marker=${encodeURIComponent(marker)}`;
    const page = (await this.call(agentUrl, token, 'GET', `/v1/containers${query}`)) as ContainerListPage;
    if (!Array.isArray(page?.containers)) throw new UnavailableError(`${agentUrl}: container listing has no containers`);
    return { names: page.containers.map((c) => c.name), truncated: page.truncated === true };
  }

  /** One page of a container's objects (names only). */
  async objects(agentUrl: string, token: string, container: string, marker?: string): Promise<{ names: string[]; nextMarker?: string }> {
    const query = marker === undefined ? '' : `?marker=${encodeURIComponent(marker)}`;
    const page = (await this.call(agentUrl, token, 'GET', `/v1/containers/${encodeURIComponent(container)}/objects${query}`)) as ObjectListPage;
    if (!Array.isArray(page?.objects)) throw new UnavailableError(`${agentUrl}: object listing has no objects`);
    return { names: page.objects.map((o) => o.name), nextMarker: page.truncated ? page.nextMarker : undefined };
  }

  async deleteObject(agentUrl: string, token: string, container: string, name: string): Promise<void> {
    const path = name.split('/').map(encodeURIComponent).join('/');
    await this.call(agentUrl, token, 'DELETE', `/v1/containers/${encodeURIComponent(container)}/objects/${path}`, [404]);
  }

  async deleteContainer(agentUrl: string, token: string, container: string): Promise<void> {
    await this.call(agentUrl, token, 'DELETE', `/v1/containers/${encodeURIComponent(container)}`, [404]);
  }

  private async call(agentUrl: string, token: string, method: string, path: string, alsoFine: number[] = []): Promise<unknown> {
    const url = `${agentUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    } catch (cause) {
      throw new UnavailableError(`${method} ${url} failed: ${(cause as Error).message}`, { cause });
    }
    const text = await response.text().catch(() => '');
    if (alsoFine.includes(response.status)) return undefined;
    if (!response.ok) throw new UnavailableError(`${method} ${url} answered ${response.status}: ${text.slice(0, 200)}`);
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new UnavailableError(`${method} ${url} answered invalid JSON`, { cause });
    }
  }
}
