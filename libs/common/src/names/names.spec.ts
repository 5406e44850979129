import { describe, expect, it } from '@jest/globals';
import { validateSync } from 'class-validator';
import { BadRequestError } from '../errors/domain.error';
import { IsContainerName, IsIdentifier, IsObjectName } from './name.validators';
import { assertContainerName, containerNameProblem, identifierProblem, objectNameProblem } from './names';

describe('container names', () => {
  it.each(['photos', 'a', 'with space', 'ünïcødé', 'x'.repeat(256), '...', 'a.b'])('accepts %j', (name) => {
    expect(containerNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['a/b', 'must not contain "/"'],
    ['.', 'must not be "." or ".."'],
    ['..', 'must not be "." or ".."'],
    ['x'.repeat(257), 'at most 256 bytes'],
    ['é'.repeat(129), 'at most 256 bytes'],
    ['tab\there', 'control characters'],
    ['nul\u0000', 'control characters'],
    ['lone\ud800', 'valid Unicode'],
    [42, 'must be a string'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(containerNameProblem(name)).toContain(problem);
  });

  it('asserts with a BadRequestError naming the problem', () => {
    expect(() => assertContainerName('a/b')).toThrow(BadRequestError);
    expect(() => assertContainerName('a/b')).toThrow('Container name must not contain "/"');
  });
});

describe('object names', () => {
  it.each(['a', 'dir/sub/file.txt', 'trailing/', 'a//b', '..hidden', 'x'.repeat(1024), 'emoji-😀'])('accepts %j', (name) => {
    expect(objectNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'must not be empty'],
    ['/leading', 'must not start with "/"'],
    ['a/../b', '"." or ".." path segments'],
    ['./a', '"." or ".." path segments'],
    ['a/..', '"." or ".." path segments'],
    ['x'.repeat(1025), 'at most 1024 bytes'],
    ['new\nline', 'control characters'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(objectNameProblem(name)).toContain(problem);
  });
});

describe('identifiers', () => {
  it.each(['admin', 'aws-eu-west-1', 'sync-3', 'A.b_c', 'x'.repeat(63)])('accepts %j', (name) => {
    expect(identifierProblem(name)).toBeUndefined();
  });

  it.each(['', '-leading', '.x', 'has space', 'slash/', 'x'.repeat(64), 'ünï'])('refuses %j', (name) => {
    expect(identifierProblem(name)).toMatch(/^must be 1-63 characters/);
  });
});

describe('class-validator decorators', () => {
  class Dto {
    @IsContainerName()
    container!: unknown;

    @IsObjectName()
    object!: unknown;

    @IsIdentifier()
    owner!: unknown;
  }

  it('report the field and the problem', () => {
    const sut = Object.assign(new Dto(), { container: 'a/b', object: '/x', owner: 'ok' });
    const messages = validateSync(sut).flatMap((e) => Object.values(e.constraints ?? {}));
    expect(messages).toEqual(['container must not contain "/"', 'object must not start with "/"']);
  });

  it('pass valid values', () => {
    expect(validateSync(Object.assign(new Dto(), { container: 'c', object: 'a/b', owner: 'bob' }))).toEqual([]);
  });
});
