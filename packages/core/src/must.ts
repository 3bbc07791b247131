/**
 * `must(value)`: the value the caller knows is there, checked. Used instead of TypeScript's `value!`
 * (`@typescript-eslint/no-non-null-assertion`): `!` only silences the compiler, so a wrong belief lets
 * `undefined` flow on and fail later, somewhere else; `must` fails here, naming what was missing.
 */
export function must<T>(value: T | null | undefined, what = 'a value'): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}
