import { BadRequestError } from '../errors/domain.error';

/**
 * Naming rules shared by every part (controller, agent, cli).
 *
 * Container names: 1-256 bytes of UTF-8; no `/`; no control characters
 * (U+0000-U+001F, U+007F); not `.` or `..`; well-formed Unicode.
 *
 * Object names: 1-1024 bytes of UTF-8; may contain `/`; no control
 * characters; must not start with `/`; no `.` or `..` path segment (HTTP
 * clients normalise those away, so such an object could never be addressed);
 * well-formed Unicode.
 *
 * Identifiers (usernames, service names, regions, option names): 1-63 ASCII
 * characters `[A-Za-z0-9._-]`, starting with a letter or digit.
 *
 * Each `*Problem` function returns undefined for a valid name, else the
 * reason, phrased to follow the field name ("name must ...").
 */
export const CONTAINER_NAME_MAX_BYTES = 256;
export const OBJECT_NAME_MAX_BYTES = 1024;
export const IDENTIFIER_MAX_LENGTH = 63;

const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function containerNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  const common = textProblem(name, CONTAINER_NAME_MAX_BYTES);
  if (common) return common;
  if (name.includes('/')) return 'must not contain "/"';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  return undefined;
}

export function objectNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  const common = textProblem(name, OBJECT_NAME_MAX_BYTES);
  if (common) return common;
  if (name.startsWith('/')) return 'must not start with "/"';
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'must not contain "." or ".." path segments';
  }
  return undefined;
}

export function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (!IDENTIFIER.test(name)) {
    return `must be 1-${IDENTIFIER_MAX_LENGTH} characters of letters, digits, ".", "_" or "-", starting with a letter or digit`;
  }
  return undefined;
}

export const usernameProblem = identifierProblem;
export const serviceNameProblem = identifierProblem;
export const optionNameProblem = identifierProblem;
export const regionNameProblem = identifierProblem;

export function isContainerName(name: unknown): name is string {
  return containerNameProblem(name) === undefined;
}

export function isObjectName(name: unknown): name is string {
  return objectNameProblem(name) === undefined;
}

export function isIdentifier(name: unknown): name is string {
  return identifierProblem(name) === undefined;
}

/** @throws BadRequestError naming the container name's problem. */
export function assertContainerName(name: unknown): asserts name is string {
  const problem = containerNameProblem(name);
  if (problem) throw new BadRequestError(`Container name ${problem}`);
}

function textProblem(name: string, maxBytes: number): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (LONE_SURROGATE.test(name)) return 'must be valid Unicode';
  if (Buffer.byteLength(name, 'utf8') > maxBytes) return `must be at most ${maxBytes} bytes of UTF-8`;
  if (CONTROL.test(name)) return 'must not contain control characters';
  return undefined;
}
