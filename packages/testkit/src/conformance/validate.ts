/**
 * Checks a `/v1` response body against the shapes generated from stripe-node's types: every
 * object (known by its `object` field, lists recursively) and every error envelope, field by field.
 * A violation is a missing field, a field Stripe does not have, or a value of the wrong type or
 * outside its literal union; the documented exceptions (exceptions.ts) are not violations.
 */
import { exceptionFor, extraValuesOf } from './exceptions.js';
import { loadShapes, type Alternative, type Shapes } from './shapes.js';

export interface Violation {
  /** Where in the body (`$.data[0].latest_charge.outcome.type`). */
  at: string;
  message: string;
}

type Json = unknown;

const kindOf = (value: Json): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/**
 * `partial`: the answer is a documented subset of the object (a PaymentIntent read with a
 * publishable key): members may be missing at its top level; those present are checked.
 */
export function checkResponseBody(
  body: Json,
  status: number,
  shapes: Shapes = loadShapes(),
  options: { partial?: boolean } = {},
): Violation[] {
  const checker = new Checker(shapes, options.partial === true);
  if (status >= 400 || (isRecord(body) && 'error' in body && !('object' in body))) {
    if (!isRecord(body)) return [{ at: '$', message: `an error answer is not an object: ${kindOf(body)}` }];
    for (const key of Object.keys(body))
      if (key !== 'error') checker.report('$', `unexpected member ${key} beside error`);
    if (!('error' in body)) checker.report('$', 'no error member');
    else checker.struct(body['error'], shapes.error, '$.error');
    return checker.violations;
  }
  checker.anyObject(body, '$');
  return checker.violations;
}

function isRecord(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

class Checker {
  readonly violations: Violation[] = [];
  /** The field whose value is being checked (for value exceptions). */
  private structName: string | null = null;
  private fieldName: string | null = null;
  constructor(
    private readonly shapes: Shapes,
    private partialTop = false,
  ) {}

  report(at: string, message: string): void {
    this.violations.push({ at, message });
  }

  /** A value that must be a Stripe object or a list of them, known by its `object` member. */
  anyObject(value: Json, at: string, expected?: string): void {
    if (!isRecord(value)) {
      this.report(at, `expected an object, got ${kindOf(value)}`);
      return;
    }
    const object = value['object'];
    if (typeof object !== 'string') {
      this.report(at, 'no `object` member');
      return;
    }
    if (object === 'list' || object === 'search_result') {
      this.list(value, at, object);
      return;
    }
    if (expected !== undefined && expected !== '*' && object !== expected) {
      this.report(at, `expected a ${expected}, got a ${object}`);
      return;
    }
    const entry = this.shapes.objects[object];
    if (!entry) {
      this.report(
        at,
        `object type ${object} is not one OpenTill serves (add it to generate.ts) or not a Stripe object`,
      );
      return;
    }
    if (value['deleted'] === true) {
      if (!entry.deleted) this.report(at, `Stripe has no deleted ${object}`);
      else this.struct(value, entry.deleted, at);
    } else this.struct(value, entry.type, at);
  }

  private list(value: Record<string, Json>, at: string, object: string): void {
    const fields =
      object === 'list' ? ['object', 'data', 'has_more', 'url'] : ['object', 'data', 'has_more', 'next_page', 'url'];
    for (const field of fields) if (!(field in value)) this.report(`${at}.${field}`, `missing (a ${object} has it)`);
    for (const key of Object.keys(value)) {
      if (!fields.includes(key) && !(object === 'search_result' && key === 'total_count')) {
        this.report(`${at}.${key}`, `not a field of a ${object}`);
      }
    }
    if (typeof value['has_more'] !== 'boolean') this.report(`${at}.has_more`, 'expected a boolean');
    if (typeof value['url'] !== 'string') this.report(`${at}.url`, 'expected a string');
    if (object === 'search_result' && value['next_page'] !== null && typeof value['next_page'] !== 'string') {
      this.report(`${at}.next_page`, 'expected a string or null');
    }
    if (!Array.isArray(value['data'])) this.report(`${at}.data`, 'expected an array');
    else value['data'].forEach((item, index) => this.anyObject(item, `${at}.data[${index}]`));
  }

  struct(value: Json, name: string, at: string): void {
    const struct = this.shapes.types[name];
    if (!struct) {
      this.report(at, `no structure ${name} in stripe-shapes.json`);
      return;
    }
    if (!isRecord(value)) {
      this.report(at, `expected an object (${name}), got ${kindOf(value)}`);
      return;
    }
    const partial = this.partialTop;
    this.partialTop = false;
    for (const [field, shape] of Object.entries(struct.fields)) {
      const present = field in value;
      if (!present) {
        if (!partial && !shape.optional && !exceptionFor(name, field, 'missing'))
          this.report(`${at}.${field}`, `missing (${name}.${field} is not optional)`);
        continue;
      }
      if (shape.type.length === 1 && shape.type[0] === 'absent') {
        this.report(`${at}.${field}`, `${name}.${field} is never present`);
        continue;
      }
      const before = this.violations.length;
      this.structName = name;
      this.fieldName = field;
      this.value(value[field], shape.type, `${at}.${field}`);
      if (this.violations.length > before && exceptionFor(name, field, 'type')) this.violations.length = before;
    }
    for (const key of Object.keys(value)) {
      if (!(key in struct.fields) && !exceptionFor(name, key, 'extra'))
        this.report(`${at}.${key}`, `not a field of ${name}`);
    }
  }

  value(value: Json, alternatives: readonly Alternative[], at: string): void {
    const kind = kindOf(value);
    const has = (simple: Alternative) => alternatives.includes(simple);
    if (has('any')) return;
    switch (kind) {
      case 'null':
        if (!has('null')) this.report(at, `null, but it is ${describe(alternatives)}`);
        return;
      case 'string':
      case 'number':
      case 'boolean': {
        if (has(kind as Alternative)) return;
        const literal = alternatives.find(
          (alternative): alternative is { enum: Array<string | number | boolean> } =>
            typeof alternative === 'object' &&
            'enum' in alternative &&
            alternative.enum.some((item) => typeof item === kind),
        );
        if (literal && literal.enum.includes(value as string | number | boolean)) return;
        if (this.structName !== null && extraValuesOf(this.structName, this.fieldName!).includes(value as string))
          return;
        this.report(at, `${JSON.stringify(value)}, but it is ${describe(alternatives)}`);
        return;
      }
      case 'array': {
        const arrays = alternatives.filter(
          (alternative): alternative is { array: Alternative[] } =>
            typeof alternative === 'object' && 'array' in alternative,
        );
        if (arrays.length === 0) {
          this.report(at, `an array, but it is ${describe(alternatives)}`);
          return;
        }
        const items = arrays.flatMap((alternative) => alternative.array);
        (value as Json[]).forEach((item, index) => this.value(item, items, `${at}[${index}]`));
        return;
      }
      default:
        this.record(value as Record<string, Json>, alternatives, at);
    }
  }

  /** An object value: a Stripe object, a nested structure or a map; the best-fitting alternative's violations. */
  private record(value: Record<string, Json>, alternatives: readonly Alternative[], at: string): void {
    const candidates = alternatives.filter(
      (alternative) => typeof alternative === 'object' && !('enum' in alternative) && !('array' in alternative),
    );
    if (candidates.length === 0) {
      this.report(at, `an object, but it is ${describe(alternatives)}`);
      return;
    }
    let best: Violation[] | null = null;
    for (const candidate of candidates) {
      const trial = new Checker(this.shapes);
      if (typeof candidate !== 'object') continue;
      if ('object' in candidate) trial.anyObject(value, at, candidate.object);
      else if ('ref' in candidate) trial.struct(value, candidate.ref, at);
      else if ('map' in candidate)
        for (const [key, item] of Object.entries(value)) trial.value(item, candidate.map, `${at}.${key}`);
      if (trial.violations.length === 0) return;
      if (best === null || trial.violations.length < best.length) best = trial.violations;
    }
    this.violations.push(...(best ?? []));
  }
}

function describe(alternatives: readonly Alternative[]): string {
  return alternatives
    .map((alternative) => {
      if (typeof alternative === 'string') return alternative;
      if ('enum' in alternative) {
        const shown = alternative.enum
          .slice(0, 6)
          .map((item) => JSON.stringify(item))
          .join(' | ');
        return alternative.enum.length > 6 ? `${shown} | … (${alternative.enum.length} values)` : shown;
      }
      if ('array' in alternative) return `Array<${describe(alternative.array)}>`;
      if ('map' in alternative) return `{ [key]: ${describe(alternative.map)} }`;
      if ('ref' in alternative) return alternative.ref;
      return `a ${alternative.object}`;
    })
    .join(' | ');
}
