import { isAbsolute, relative } from 'node:path';

/** What `--json` prints, as one line, when the cluster is ready. */
export interface ReadyReport {
  controllerUrl: string;
  docsUrl: string;
  /** `s3Url`: the agent's S3 endpoint (path-style), when S3 is on. */
  agents: { name: string; url: string; s3Url?: string; region: string; pid: number }[];
  controllerPid: number;
  /** What logs in (POST /v1/auth/login takes exactly this). */
  admin: { username: string; password: string };
  /** With S3 on: the admin's S3 access key (made on the first start). */
  adminS3Key?: { accessKeyId: string; secretAccessKey: string };
}

export interface BannerContext {
  dataDir: string;
  adminPasswordFile: string;
  adminS3KeyFile?: string;
  logDir: string;
  /** The controller refused this password: it was changed through the admin API. */
  passwordRefused: boolean;
  cwd: string;
}

export function formatJsonLine(report: ReadyReport): string {
  return `${JSON.stringify(report)}\n`;
}

/** The human summary printed when the cluster is ready. */
export function formatBanner(report: ReadyReport, context: BannerContext): string {
  const shown = (path: string) => {
    const rel = relative(context.cwd, path);
    return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : path;
  };
  const rows: [string, string, string][] = [
    ['controller', report.controllerUrl, `pid ${report.controllerPid}`],
    ['Swagger UI', report.docsUrl, 'admin API'],
    ...report.agents.map((a): [string, string, string] => [a.name, a.url, `region ${a.region}, pid ${a.pid}${a.s3Url ? `, S3 ${a.s3Url}` : ''}`]),
  ];
  const nameWidth = Math.max(...rows.map((r) => r[0].length), 'password'.length);
  const urlWidth = Math.max(...rows.map((r) => r[1].length));
  const line = (a: string, b: string, c = '') => `  ${a.padEnd(nameWidth)}  ${c ? b.padEnd(urlWidth) : b}${c ? `  ${c}` : ''}`.trimEnd();
  const first = report.agents[0];
  const s3Key = report.adminS3Key ? { id: report.adminS3Key.accessKeyId, secret: report.adminS3Key.secretAccessKey } : undefined;
  const passwordNote = context.passwordRefused
    ? '(changed since: the controller refused it)'
    : `(kept in ${shown(context.adminPasswordFile)})`;
  return [
    `MCOS local cluster is ready (data in ${shown(context.dataDir)})`,
    '',
    ...rows.map((r) => line(...r)),
    '',
    line('admin', report.admin.username),
    line('password', `${report.admin.password}  ${passwordNote}`),
    ...(s3Key ? [line('S3 key', `${s3Key.id}  secret ${s3Key.secret}  (kept in ${shown(context.adminS3KeyFile ?? '')})`)] : []),
    '',
    'Try, in another terminal:',
    `  npx mcos login ${first.url} --username ${report.admin.username} --password '${report.admin.password}'`,
    '  npx mcos mb photos && npx mcos put README.md photos/README.md && npx mcos ls photos',
    '  npx mcos admin services',
    ...(s3Key && first.s3Url
      ? [
          `  export AWS_ACCESS_KEY_ID=${s3Key.id} AWS_SECRET_ACCESS_KEY='${s3Key.secret}' AWS_DEFAULT_REGION=us-east-1`,
          `  aws --endpoint-url ${first.s3Url} s3 ls`,
        ]
      : []),
    '',
    `Logs in ${shown(context.logDir)}/. Ctrl-C stops the cluster (agents leave first, then the controller).`,
    '',
  ].join('\n');
}
