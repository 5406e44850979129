import { CliError, ExitCode } from './errors/cli.error';

/** `container/name` as typed on the command line. */
export interface ObjectTarget {
  container: string;
  name: string;
}

/** `container[/prefix]` for ls. */
export interface ListTarget {
  container: string;
  prefix?: string;
}

/**
 * Splits `container/name` at the first `/` (object names may hold more).
 * With `defaultName`, `container` or `container/` names `container/<defaultName>`.
 * @throws CliError (usage) when the container or the name is missing.
 */
export function parseObjectTarget(text: string, defaultName?: string): ObjectTarget {
  const slash = text.indexOf('/');
  const container = slash < 0 ? text : text.slice(0, slash);
  const name = slash < 0 ? '' : text.slice(slash + 1);
  if (!container) throw new CliError(`"${text}" names no container`, ExitCode.usage, 'write it as <container>/<object-name>, e.g. photos/2024/cat.jpg');
  if (name) return { container, name };
  if (defaultName) return { container, name: defaultName };
  throw new CliError(`"${text}" names no object`, ExitCode.usage, `write it as ${container}/<object-name>`);
}

export function parseListTarget(text: string): ListTarget {
  const slash = text.indexOf('/');
  if (slash < 0) return { container: text };
  const container = text.slice(0, slash);
  if (!container) throw new CliError(`"${text}" names no container`, ExitCode.usage, 'write it as <container> or <container>/<prefix>');
  const prefix = text.slice(slash + 1);
  return prefix ? { container, prefix } : { container };
}
