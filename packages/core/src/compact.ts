/**
 * `compact({ a, b })` drops the keys whose value is `undefined`, so an optional field is either present
 * with a value or absent — what `exactOptionalPropertyTypes` demands and what Stripe's wire shows (a
 * field it does not send is missing, not `undefined`). One helper instead of a conditional spread per
 * field (`...(x === undefined ? {} : { x })`). Keys holding `null`, `0`, `''` or `false` stay: they are
 * values. Only the object's own top level is compacted.
 */

/** The keys of `T` whose type admits `undefined`. */
type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * `T` with every key that may hold `undefined` made optional and `undefined` removed from its type:
 * `Compact<{ a: string; b: number | undefined }>` is `{ a: string; b?: number }`.
 */
export type Compact<T> = { [K in Exclude<keyof T, UndefinedKeys<T>>]: T[K] } & {
  [K in UndefinedKeys<T>]?: Exclude<T[K], undefined>;
};

export function compact<T extends object>(fields: T): Compact<T> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) kept[key] = value;
  return kept as Compact<T>;
}
