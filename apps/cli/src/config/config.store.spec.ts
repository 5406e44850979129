import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../errors/cli.error';
import { ConfigStore, configDirFrom, Session } from './config.store';

const session: Session = {
  agentUrl: 'http://127.0.0.1:7001',
  controllerUrl: 'http://127.0.0.1:7000',
  username: 'alice',
  role: 'user',
  token: 'secret-token',
  expiresAt: '2030-01-01T00:00:00.000Z',
};

describe('configDirFrom', () => {
  it('prefers MCOS_CLI_CONFIG_DIR, then XDG_CONFIG_HOME/mcos, then ~/.config/mcos', () => {
    expect(configDirFrom({ MCOS_CLI_CONFIG_DIR: '/tmp/x', XDG_CONFIG_HOME: '/xdg' }, '/home/a')).toBe('/tmp/x');
    expect(configDirFrom({ XDG_CONFIG_HOME: '/xdg' }, '/home/a')).toBe('/xdg/mcos');
    expect(configDirFrom({}, '/home/a')).toBe('/home/a/.config/mcos');
  });
});

describe('ConfigStore', () => {
  let dir: string;
  let sut: ConfigStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcos-cli-store-'));
    sut = new ConfigStore(join(dir, 'mcos'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no session before a login, and require() says to log in (exit 3)', () => {
    expect(sut.load()).toBeUndefined();
    const error = caught(() => sut.require());
    expect(error.exitCode).toBe(3);
    expect(error.hint).toContain('mcos login');
  });

  it('keeps the session in a 0600 file inside a 0700 directory', () => {
    sut.save(session);
    expect(sut.load()).toEqual(session);
    expect(statSync(sut.file).mode & 0o777).toBe(0o600);
    expect(statSync(sut.dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(sut.file, 'utf8'))).toEqual(session);
  });

  it('tightens the modes of a directory that already existed', () => {
    mkdirSync(sut.dir, { mode: 0o755 });
    sut.save(session);
    expect(statSync(sut.dir).mode & 0o777).toBe(0o700);
  });

  it('forgets the session', () => {
    sut.save(session);
    expect(sut.clear()).toBe(true);
    expect(sut.load()).toBeUndefined();
    expect(sut.clear()).toBe(false);
  });

  it('reports a damaged file as an auth problem with a way out', () => {
    mkdirSync(sut.dir);
    writeFileSync(sut.file, '{not json');
    const error = caught(() => sut.load());
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('damaged');
  });
});

function caught(fn: () => unknown): CliError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return error as CliError;
  }
  throw new Error('expected a CliError');
}
