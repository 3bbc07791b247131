/**
 * The shape of Stripe's objects as generated from stripe-node's type definitions
 * (`stripe-shapes.json`, written by generate.ts), and how to read it.
 *
 * A type expression is a list of alternatives (a TypeScript union): a value conforms when it
 * matches one of them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Alternative =
  | 'string'
  | 'number'
  | 'boolean'
  | 'null'
  /** `void`: the field is never present (`deleted?: void` on a live object). */
  | 'absent'
  /** `{}` or an unknown type: anything. */
  | 'any'
  /** A union of string (or boolean / number) literals; `open` when stripe-node adds `OtherString`. */
  | { enum: Array<string | number | boolean>; open?: true }
  | { array: Alternative[] }
  /** `{ [name: string]: T }` (metadata and the like). */
  | { map: Alternative[] }
  /** A nested structure described in `types`. */
  | { ref: string }
  /**
   * A Stripe object (its own `object` value); with `'string'` beside it in the same union the field
   * is expandable. `'*'`: any object OpenTill serves (an event's `data.object`).
   */
  | { object: string };

export interface Field {
  type: Alternative[];
  /** Declared with `?`: may be absent (Stripe includes it only in some cases). */
  optional?: true;
}

export interface Struct {
  fields: Record<string, Field>;
}

export interface Shapes {
  /** The stripe-node version the file was generated from. */
  stripeNode: string;
  /** `object` value → the type of the live object, and of the deleted one (`deleted: true`) if any. */
  objects: Record<string, { type: string; deleted?: string }>;
  /** The error envelope's `error` member. */
  error: string;
  types: Record<string, Struct>;
  /** For each object type: the `expand[]` paths its type allows (nested ones dotted, lists with `data.`). */
  expandable: Record<string, string[]>;
}

export const shapesPath = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../../src/conformance'),
  'stripe-shapes.json',
);

let loaded: Shapes | null = null;

export function loadShapes(): Shapes {
  loaded ??= JSON.parse(readFileSync(shapesPath, 'utf8')) as Shapes;
  return loaded;
}
