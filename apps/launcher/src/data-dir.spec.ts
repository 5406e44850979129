import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataLayout } from './cluster-plan';
import { DataDir } from './data-dir';
import { LaunchError } from './launch.error';

describe('DataDir', () => {
  let dir: string;
  let sut: DataDir;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-launcher-data-'));
    sut = new DataDir(dataLayout(join(dir, 'data')));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates the admin password once, in a 0600 file, and shows the same one later', () => {
    sut.prepare();
    const first = sut.adminPassword();
    expect(first.created).toBe(true);
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(statSync(sut.layout.adminPasswordFile).mode & 0o777).toBe(0o600);
    expect(sut.adminPassword()).toEqual({ password: first.password, created: false });
  });

  it('refuses to invent a password when the controller database exists without its file', () => {
    sut.prepare();
    writeFileSync(sut.layout.controllerDatabase, '');
    expect(() => sut.adminPassword()).toThrow(/admin password is unknown/);
  });

  it('keeps the join token and generated configs private', () => {
    sut.prepare();
    expect(sut.joinToken()).toBe(sut.joinToken());
    expect(statSync(sut.layout.joinTokenFile).mode & 0o777).toBe(0o600);
    const file = join(sut.layout.configDir, 'x.yaml');
    sut.writeConfig(file, { joinToken: 'secret', port: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('joinToken: secret');
  });

  it('wipes its own data dir on --fresh, but never a directory that is not one', () => {
    sut.prepare();
    sut.wipe();
    expect(existsSync(sut.layout.root)).toBe(false);

    mkdirSync(sut.layout.root);
    writeFileSync(join(sut.layout.root, 'thesis.tex'), 'years of work');
    expect(() => sut.wipe()).toThrow(LaunchError);
    expect(() => sut.prepare()).toThrow(/not an MCOS local-cluster data dir/);
    expect(existsSync(join(sut.layout.root, 'thesis.tex'))).toBe(true);
  });

  it('refuses to start while another launcher runs on the same data dir', async () => {
    sut.prepare();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      sut.writeState({ launcherPid: other.pid as number, startedAt: '', processes: [] });
      expect(() => sut.leftovers()).toThrow(/another launcher \(pid \d+\) is running/);
    } finally {
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
    }
  });

  it('removes only its own state file', () => {
    sut.prepare();
    sut.writeState({ launcherPid: process.pid + 1, startedAt: '', processes: [] });
    sut.clearState();
    expect(existsSync(sut.layout.stateFile)).toBe(true);
    sut.writeState({ launcherPid: process.pid, startedAt: '', processes: [] });
    sut.clearState();
    expect(existsSync(sut.layout.stateFile)).toBe(false);
  });

  it('finds nothing to stop when the processes of an old state file are gone', () => {
    sut.prepare();
    sut.writeState({ launcherPid: 2 ** 22 + 1, startedAt: '', processes: [{ name: 'agent-a', pid: 2 ** 22 + 2 }] });
    expect(sut.leftovers()).toEqual([]);
  });
});
