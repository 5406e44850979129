import { createServer } from 'node:net';

// Moved beside the backend servers that need it too (libs/backends/src/testing/servers).
export { freePort } from '../../libs/backends/src/testing/servers/free-port';

/** Whether `count` consecutive ports from `first` can be bound on 127.0.0.1 now (for launchers that take a base port). */
export async function portsFree(first: number, count: number): Promise<boolean> {
  if (first + count > 65535) return false;
  for (let port = first; port < first + count; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}
