/**
 * The environment of processes a test starts: the test's own, less anything
 * MCOS* (so a developer's overrides never leak in) and XDG_CONFIG_HOME (so the
 * CLI's login stays in the test's temp dir), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MCOS') && key !== 'XDG_CONFIG_HOME'));
  return { ...env, ...extra };
}
