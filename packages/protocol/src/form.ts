/**
 * Decodes request parameters the way Stripe's API reads them: `application/x-www-form-urlencoded`
 * with bracket nesting (`a[b]=1`, `a[0]=x`, `a[]=x`, `a[0][b]=y`), as stripe-node and curl send
 * them. Parsing uses `qs` (the library stripe-node's own encoder mirrors); what we add is a strict
 * UTF-8 check, Stripe-shaped errors and the limits from `limits.ts`.
 */
import qs from 'qs';
import { ApiError, limits } from '@opentill/core';

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const utf8 = new TextDecoder('utf-8', { fatal: true });

class MalformedEncoding extends Error {}

function invalidBody(message: string): ApiError {
  return new ApiError('invalid_request_body', message);
}

/**
 * Percent-decodes strictly: qs's default decoder silently keeps `%FF` as-is, which would let
 * invalid UTF-8 reach the store.
 */
function strictDecoder(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new MalformedEncoding('Invalid percent-encoding or UTF-8 in the request parameters.');
  }
}

/**
 * qs drops every `__proto__` key segment whatever its options (a guard for callers that assign
 * into plain objects), so `metadata[__proto__]=x` — a valid Stripe metadata key — would vanish
 * silently. Keys are decoded by us (qs calls the decoder with `'key'`): a `__proto__` segment is
 * renamed to this stand-in for qs, and `normalize` names it back, as data on a null-prototype
 * object. The stand-in holds a NUL, which no real key carries (a key that does is refused).
 */
const protoStandIn = '\u0000opentill:__proto__\u0000';
const protoSegment = /(^|\[)__proto__(?=\[|\]|$)/g;

function keyDecoder(text: string, _default: unknown, _charset: unknown, type?: 'key' | 'value'): string {
  const decoded = strictDecoder(text);
  if (type !== 'key') return decoded;
  if (decoded.includes(protoStandIn))
    throw new MalformedEncoding('Invalid request: a parameter name contains a NUL character.');
  return decoded.includes('__proto__') ? decoded.replace(protoSegment, `$1${protoStandIn}`) : decoded;
}

/** Turns the raw bytes of a body (or a query string) into the parameter tree. */
export function decodeForm(raw: Buffer | string): FormObject {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    try {
      text = utf8.decode(raw);
    } catch {
      throw invalidBody('Invalid request body: it is not valid UTF-8.');
    }
  }
  if (text.length === 0) return Object.create(null) as FormObject;
  if (parameterCount(text) > limits.formParameterCountMax) {
    throw invalidBody(`Invalid request: more than ${limits.formParameterCountMax} parameters.`);
  }
  try {
    const simple = decodeSimple(text);
    if (simple !== null) return simple;
  } catch (error) {
    if (error instanceof MalformedEncoding) throw invalidBody(error.message);
    throw error;
  }
  return decodeWithQs(text);
}

/** The general path of `decodeForm` (exported for the test that holds `decodeSimple` to it). */
export function decodeWithQs(text: string): FormObject {
  let parsed: unknown;
  try {
    parsed = qs.parse(text, {
      depth: limits.formDepthMax,
      strictDepth: true,
      parameterLimit: limits.formParameterCountMax,
      // Indexes stay object keys (`a[0]=x` → {a: {0: 'x'}}, `a[]=x` → {a: {0: 'x'}}): qs's arrays
      // would compact `a[5]` to index 0 and turn `metadata[0]=x` (a valid metadata key) into an
      // array. The array schema in `params.ts` reads objects whose keys are all indexes as arrays.
      arrayLimit: -1,
      throwOnLimitExceeded: false,
      allowPrototypes: false,
      plainObjects: true,
      decoder: keyDecoder,
      charset: 'utf-8',
    });
  } catch (error) {
    if (error instanceof MalformedEncoding) throw invalidBody(error.message);
    if (error instanceof RangeError) {
      throw invalidBody(`Invalid request: nesting deeper than ${limits.formDepthMax} levels.`);
    }
    throw invalidBody('Invalid request body: it could not be decoded as application/x-www-form-urlencoded.');
  }
  return normalize(parsed) as FormObject;
}

/** `name`, `name[key]`, `name[key][key]`…: plain keys, nothing for qs's decoder or bracket rules to change. */
const simpleKey = /^[A-Za-z0-9_]+(?:\[[A-Za-z0-9_]+\])*$/;
const simpleDepthMax = 3;

/**
 * What qs answers for the bodies SDKs send (`amount=1000&payment_method_types[0]=card_present`),
 * in one pass: plain keys, each path once. Anything else (percent-encoded or odd keys, repeated
 * or conflicting paths, prototype names, `]=` in a value, deeper nesting) returns null and goes
 * to qs. Measured on the benchmark's create body: decodeForm about 6 µs instead of 13–15 µs; a
 * property test holds it to qs.
 */
export function decodeSimple(text: string): FormObject | null {
  const out = Object.create(null) as FormObject;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    const equals = text.indexOf('=', start);
    if (equals < 0 || equals > end) return null;
    const key = text.slice(start, equals);
    const raw = text.slice(equals + 1, end);
    if (!simpleKey.test(key) || raw.includes(']=')) return null;
    let target = out;
    const open = key.indexOf('[');
    let name = open < 0 ? key : key.slice(0, open);
    if (open >= 0) {
      const segments = key.slice(open + 1, -1).split('][');
      if (segments.length > simpleDepthMax) return null;
      for (const segment of segments) {
        if (name in Object.prototype) return null;
        let next = target[name];
        if (next === undefined) {
          next = newChild(target, name);
        } else if (typeof next !== 'object' || Array.isArray(next)) {
          return null;
        }
        target = next;
        name = segment;
      }
    }
    if (name in Object.prototype || target[name] !== undefined) return null;
    target[name] = strictDecoder(raw);
    start = end + 1;
  }
  return out;
}

/**
 * A new nested object under `target[name]`. Its own function, not inline in `decodeSimple`: a store
 * that adds a property to a null-prototype (dictionary-mode) object updates its inline cache on
 * every call, and V8 restarts a function's tier-up count on each such update, so `decodeSimple`
 * stayed in the baseline tier for the whole life of a server (`--trace-opt-verbose`: "resetting
 * ticks … due to IC change"). Out here the updates only concern this small function: decodeForm on
 * the benchmark's create body about 3.3 → 2.4 µs (same process, alternating).
 */
function newChild(target: FormObject, name: string): FormObject {
  const next = Object.create(null) as FormObject;
  target[name] = next;
  return next;
}

/** Number of `&`-separated parameters, counted before parsing so qs never sees more than the limit. */
function parameterCount(text: string): number {
  let count = 1;
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) count += 1;
  return count;
}

/**
 * Copies qs's output into plain data (null-prototype objects, so a `__proto__` or `constructor`
 * key is only ever data), naming `__proto__` segments back (see `protoStandIn`).
 */
function normalize(value: unknown): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => normalize(item));
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as { [key: string]: FormValue };
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out[key === protoStandIn ? '__proto__' : key] = normalize(item);
    }
    return out;
  }
  // qs only produces strings, arrays and objects.
  return String(value);
}

/** Maximum nesting allowed in JSON bodies (same as the form decoder). */
export function checkJsonShape(value: unknown, depth = 0): void {
  if (depth > limits.formDepthMax) {
    throw invalidBody(`Invalid request: nesting deeper than ${limits.formDepthMax} levels.`);
  }
  if (Array.isArray(value)) {
    if (value.length > limits.formArrayIndexMax + 1) throw invalidBody('Invalid request: an array is too long.');
    for (const item of value) checkJsonShape(item, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length > limits.formParameterCountMax) throw invalidBody('Invalid request: too many parameters.');
    for (const key of keys) checkJsonShape((value as Record<string, unknown>)[key], depth + 1);
  }
}
