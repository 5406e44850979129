import type { ValueTransformer } from 'typeorm';

/**
 * Column helpers that behave the same on sqlite and PostgreSQL (pg returns
 * bigint as a string; both store JSON as text through `simple-json`).
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};

export const doubleAsNumber: ValueTransformer = bigintAsNumber;
