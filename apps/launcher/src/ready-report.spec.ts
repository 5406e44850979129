import { describe, expect, it } from '@jest/globals';
import { formatBanner, formatJsonLine, ReadyReport } from './ready-report';

const report: ReadyReport = {
  controllerUrl: 'http://127.0.0.1:7000',
  docsUrl: 'http://127.0.0.1:7000/docs',
  agents: [
    { name: 'agent-a', url: 'http://127.0.0.1:7001', region: 'local-a', pid: 11 },
    { name: 'agent-b', url: 'http://127.0.0.1:7002', region: 'local-b', pid: 12 },
  ],
  controllerPid: 10,
  admin: { username: 'admin', password: 'pw-123456789' },
};

describe('ready report', () => {
  it('is exactly one JSON line with the documented keys', () => {
    const sut = formatJsonLine(report);
    expect(sut.endsWith('\n')).toBe(true);
    expect(sut.trimEnd().includes('\n')).toBe(false);
    expect(Object.keys(JSON.parse(sut) as object)).toEqual(['controllerUrl', 'docsUrl', 'agents', 'controllerPid', 'admin']);
  });

  it('shows URLs, Swagger, the admin credentials, three commands, paths relative to the working directory', () => {
    const sut = formatBanner(report, { dataDir: '/repo/data', adminPasswordFile: '/repo/data/admin-password', logDir: '/repo/data/logs', passwordRefused: false, cwd: '/repo' });
    expect(sut).toContain('MCOS local cluster is ready (data in ./data)');
    expect(sut).toContain('Swagger UI  http://127.0.0.1:7000/docs');
    expect(sut).toMatch(/agent-b +http:\/\/127\.0\.0\.1:7002 +region local-b, pid 12/);
    expect(sut).toContain('password    pw-123456789  (kept in ./data/admin-password)');
    expect(sut.split('\n').filter((l) => l.startsWith('  npx mcos '))).toHaveLength(3);
    expect(sut).toContain("npx mcos login http://127.0.0.1:7001 --username admin --password 'pw-123456789'\n");
  });

  it('says when the stored password no longer works', () => {
    const sut = formatBanner(report, { dataDir: '/d', adminPasswordFile: '/d/admin-password', logDir: '/d/logs', passwordRefused: true, cwd: '/repo' });
    expect(sut).toContain('(changed since: the controller refused it)');
    expect(sut).toContain('data in /d');
  });
});
