/** The public surface of a class: what a typed fake must implement. */
export type PublicOf<T> = { [K in keyof T]: T[K] };

/** Passes a typed fake where the real class is expected (only private members differ). */
export function asReal<T>(fake: PublicOf<T>): T {
  return fake as T;
}
