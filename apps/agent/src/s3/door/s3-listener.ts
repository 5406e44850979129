import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * The agent's second listener: a plain `http.Server` serving the S3 door's
 * handler on `s3.host`/`s3.port`. `configure` applies the same server
 * limits as the user API's listener (timeouts, connection cap) before it
 * listens.
 */
export async function listenS3(listener: RequestListener, at: { host: string; port: number }, configure?: (server: Server) => void): Promise<Server> {
  const server = createServer(listener);
  configure?.(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Stops accepting, lets requests in flight finish, closes idle keep-alive connections. */
export function closeS3(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
