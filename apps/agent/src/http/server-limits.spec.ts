import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { closeIdleConnections } from './server-limits';

describe('closeIdleConnections', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    closeIdleConnections(server, 300);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const open = () =>
    new Promise<{ socket: Socket; closed: Promise<number> }>((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed: new Promise((done) => socket.once('close', () => done(Date.now() - started))) }));
      socket.on('error', () => undefined);
      socket.resume(); // read what comes, so the end of the connection is seen
    });

  it('closes a connection that never sends a byte', async () => {
    const { closed } = await open();
    expect(await closed).toBeGreaterThanOrEqual(250);
  });

  it('keeps a connection on which bytes keep moving, however long', async () => {
    const { socket, closed } = await open();
    let open_ = true;
    void closed.then(() => (open_ = false));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 100));
      socket.write('a');
    }
    expect(open_).toBe(true); // 800 ms, more than twice the idle time
    socket.write('\r\n\r\n');
    expect(await closed).toBeGreaterThan(800); // idle again after the answer: closed
  });
});
