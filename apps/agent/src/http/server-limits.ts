import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { JsonRoute } from '@mcos/common';
import type { HttpServerSettings } from '../config/agent-config';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The agent's routes that take a JSON body, each with the smallest limit
 * that fits what it legitimately carries. The body is parsed before any
 * guard runs, so these limits are what an unauthenticated caller can make
 * the agent read; everything else (object bodies, replica bodies) streams
 * raw or is never read. Before issue 13 every route parsed up to 256 MiB,
 * inflated.
 */
export const AGENT_JSON_ROUTES: JsonRoute[] = [
  // {username, password}: identifiers and a password, well under 1 KiB.
  { method: 'POST', path: /^\/v1\/auth\/login$/, limitBytes: 4 * KiB },
  // {option}
  { method: 'PUT', path: /^\/v1\/containers\/[^/]+$/, limitBytes: 4 * KiB },
  // {keys}: at most 1000 keys of at most ~1.4 KiB each.
  { method: 'POST', path: /^\/v1\/peer\/replica\/versions$/, limitBytes: 2 * MiB, maxInFlight: 8 },
  // A cluster map (rings of every option, keys, users): large, so few at once.
  { method: 'PUT', path: /^\/v1\/agent\/cluster-map$/, limitBytes: 32 * MiB, maxInFlight: 2 },
];

/**
 * Server timeouts that follow progress rather than total time, and a cap on
 * connections (issue 13, point 8):
 * - `headersTimeout`: a request's head must arrive within it (slowloris),
 *   checked every `connectionsCheckingInterval` (at most 5 s);
 * - a connection on which no byte moved in either direction for
 *   `idleTimeoutMs` is closed (closeIdleConnections, and Node's socket
 *   timeout); every chunk resets it, so a 5 GiB upload that keeps moving is
 *   never cut, and a reader that stops reading frees its connection (and
 *   what it held upstream);
 * - `requestTimeout` is off: Node's default (300 s for the whole request)
 *   cut legitimate large uploads;
 * - `maxConnections`: more connections are dropped at accept.
 */
export function applyServerLimits(server: Server, settings: HttpServerSettings): void {
  server.headersTimeout = settings.headersTimeoutMs;
  // Node enforces headersTimeout on a timer (30 s by default), read when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(5_000, Math.max(250, Math.floor(settings.headersTimeoutMs / 2)));
  server.requestTimeout = 0;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  server.maxConnections = settings.maxConnections;
  server.setTimeout(settings.idleTimeoutMs);
  closeIdleConnections(server, settings.idleTimeoutMs);
}

/**
 * Closes every connection of `server` on which no byte moved (read or
 * written) for `idleMs`, checked a few times per period. Node's socket
 * timeout alone did not close a connection that never sent a byte reliably
 * here (the HTTP parser reads such a socket natively), and each one held a
 * slot under maxConnections; byte counters do not depend on who reads.
 */
export function closeIdleConnections(server: Server, idleMs: number): void {
  const seen = new Map<Socket, { bytes: number; since: number }>();
  server.on('connection', (socket: Socket) => {
    seen.set(socket, { bytes: 0, since: Date.now() });
    socket.once('close', () => seen.delete(socket));
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [socket, last] of seen) {
      const bytes = socket.bytesRead + socket.bytesWritten;
      if (bytes !== last.bytes) {
        last.bytes = bytes;
        last.since = now;
      } else if (now - last.since >= idleMs) {
        socket.destroy();
        seen.delete(socket);
      }
    }
  }, Math.max(100, Math.floor(idleMs / 4)));
  sweep.unref();
  server.once('close', () => clearInterval(sweep));
}
