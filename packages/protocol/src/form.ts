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
      decoder: strictDecoder,
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

/** Number of `&`-separated parameters, counted before parsing so qs never sees more than the limit. */
function parameterCount(text: string): number {
  let count = 1;
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) count += 1;
  return count;
}

/**
 * Copies qs's output into plain data (null-prototype objects, so a `__proto__` or `constructor`
 * key is only ever data).
 */
function normalize(value: unknown): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => normalize(item));
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as { [key: string]: FormValue };
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = normalize(item);
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
