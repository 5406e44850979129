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

  it("with S3: each agent's S3 URL, the admin's key and the aws lines to try", () => {
    const withS3: ReadyReport = {
      ...report,
      agents: report.agents.map((a, i) => ({ ...a, s3Url: `http://127.0.0.1:${7101 + i}` })),
      adminS3Key: { accessKeyId: 'MCOSKEY123', secretAccessKey: 'sec/ret+1' },
    };
    const line = JSON.parse(formatJsonLine(withS3)) as { agents: object[]; admin: object; adminS3Key: object };
    expect(Object.keys(line.agents[0])).toEqual(['name', 'url', 'region', 'pid', 's3Url']);
    // `admin` stays exactly what POST /v1/auth/login takes.
    expect(line.admin).toEqual({ username: 'admin', password: 'pw-123456789' });
    expect(line.adminS3Key).toEqual({ accessKeyId: 'MCOSKEY123', secretAccessKey: 'sec/ret+1' });
    const sut = formatBanner(withS3, { dataDir: '/repo/data', adminPasswordFile: '/repo/data/admin-password', adminS3KeyFile: '/repo/data/admin-s3-key', logDir: '/repo/data/logs', passwordRefused: false, cwd: '/repo' });
    expect(sut).toMatch(/agent-b +http:\/\/127\.0\.0\.1:7002 +region local-b, pid 12, S3 http:\/\/127\.0\.0\.1:7102\n/);
    expect(sut).toContain('S3 key      MCOSKEY123  secret sec/ret+1  (kept in ./data/admin-s3-key)');
    expect(sut).toContain("  export AWS_ACCESS_KEY_ID=MCOSKEY123 AWS_SECRET_ACCESS_KEY='sec/ret+1' AWS_DEFAULT_REGION=us-east-1\n  aws --endpoint-url http://127.0.0.1:7101 s3 ls\n");
  });

  it('says when the stored password no longer works', () => {
    const sut = formatBanner(report, { dataDir: '/d', adminPasswordFile: '/d/admin-password', logDir: '/d/logs', passwordRefused: true, cwd: '/repo' });
    expect(sut).toContain('(changed since: the controller refused it)');
    expect(sut).toContain('data in /d');
  });
});
