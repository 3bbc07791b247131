/**
 * A JS array of short scalars (ids, kinds, timestamps, versions, flags) as a PostgreSQL array literal,
 * for the hot statements' array parameters: exactly the text node-postgres would send for the same
 * array (`{"a","b",NULL}`: every element quoted, `\` and `"` escaped with a backslash), built
 * without its per-element path (`prepareValue`'s type checks, then two regular-expression replaces
 * on every element, of which these elements almost never need either). The statement types the
 * parameter (`$n::text[]`, `$n::bigint[]` …), as before.
 *
 * The JSON documents go in the binary format instead (binary-array.ts); for these small elements a
 * Buffer per array cost more than the text (tried and measured: bench/README.md).
 */
export type ArrayElement = string | number | boolean | null | undefined;

export function arrayLiteral(values: ReadonlyArray<ArrayElement>): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const value = values[i];
    if (value === null || value === undefined) text += 'NULL';
    else if (typeof value === 'string') text += quoted(value);
    // What node-postgres sends for a number or a boolean: its toString(), quoted.
    else text += `"${String(value)}"`;
  }
  return `${text}}`;
}

function quoted(value: string): string {
  if (!value.includes('\\') && !value.includes('"')) return `"${value}"`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
