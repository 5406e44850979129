import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Secrets that ship in the example configs and docs. A process that finds
 * one of them in its configuration refuses to start unless it runs in dev
 * mode: anyone who read the repository knows them.
 */
const KNOWN_EXAMPLE_SECRETS = new Set(['change-me-join-token', 'change-me-admin-password', 'change-me', 'changeme', 'password', 'admin', 'secret']);

export function isExampleSecret(value: string | undefined): boolean {
  if (typeof value !== 'string') return false;
  const v = value.trim().toLowerCase();
  return KNOWN_EXAMPLE_SECRETS.has(v) || v.startsWith('change-me');
}

/**
 * The config keys among `secrets` that hold a known example value, as
 * problems to report (empty when none does).
 */
export function exampleSecretProblems(secrets: Record<string, string | undefined>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => isExampleSecret(value))
    .map(([key]) => `${key} holds a published example value; set your own secret (or devMode: true for a throwaway local cluster)`);
}

/**
 * class-validator rule for a config secret: refuses a published example
 * value unless the object's `devMode` is true (a throwaway local cluster).
 */
export function IsNotExampleSecret(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isNotExampleSecret',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => (args.object as { devMode?: boolean }).devMode === true || !isExampleSecret(value as string),
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} holds a published example value; set your own secret (or devMode: true for a throwaway local cluster)`,
      },
    });
  };
}
