import { ValidateBy, ValidationOptions } from 'class-validator';
import { containerNameProblem, identifierProblem, objectNameProblem } from './names';

function ruleDecorator(name: string, problem: (value: unknown) => string | undefined, options?: ValidationOptions) {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args) => `${args?.property ?? 'value'} ${problem(args?.value) ?? 'is invalid'}`,
      },
    },
    options,
  );
}

/** class-validator: a valid container name (see names.ts). */
export function IsContainerName(options?: ValidationOptions): PropertyDecorator {
  return ruleDecorator('isContainerName', containerNameProblem, options);
}

/** class-validator: a valid object name (see names.ts). */
export function IsObjectName(options?: ValidationOptions): PropertyDecorator {
  return ruleDecorator('isObjectName', objectNameProblem, options);
}

/** class-validator: a valid identifier (username, service, region, option name). */
export function IsIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ruleDecorator('isIdentifier', identifierProblem, options);
}

export const IsUsername = IsIdentifier;
export const IsServiceName = IsIdentifier;
export const IsOptionName = IsIdentifier;
export const IsRegionName = IsIdentifier;
