import type { StorageOption } from '@mcos/common';

/**
 * Problems with an option's numbers, phrased for the API: R >= 1,
 * 1 <= W <= R, 1 <= Rq <= R. Empty when valid.
 */
export function optionProblems(option: Pick<StorageOption, 'replicas' | 'writeQuorum' | 'readQuorum'>): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(option.replicas) || option.replicas < 1) problems.push('replicas must be an integer >= 1');
  if (!Number.isInteger(option.writeQuorum) || option.writeQuorum < 1 || option.writeQuorum > option.replicas) {
    problems.push(`writeQuorum must be between 1 and replicas (${option.replicas})`);
  }
  if (!Number.isInteger(option.readQuorum) || option.readQuorum < 1 || option.readQuorum > option.replicas) {
    problems.push(`readQuorum must be between 1 and replicas (${option.replicas})`);
  }
  return problems;
}

/** W + Rq > R: a read always meets the latest acknowledged write. */
export function readsOwnWrites(option: Pick<StorageOption, 'replicas' | 'writeQuorum' | 'readQuorum'>): boolean {
  return option.writeQuorum + option.readQuorum > option.replicas;
}
