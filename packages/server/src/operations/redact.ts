/**
 * Redaction of what the request log stores (issue 12): request parameters and response bodies lose
 * every credential and card number BEFORE they reach the store, so neither the database nor the
 * dashboard ever holds one. Two layers, because either alone misses cases:
 * - by shape, anywhere in any string: API keys (`sk_`/`rk_`), webhook secrets (`whsec_`),
 *   connection tokens (`pst_`), SDK session secrets (`sdks_`), screen tokens (`otscr_`),
 *   client secrets (`…_secret_…`), and PAN-like runs of 12–19 digits (spaces or dashes allowed);
 * - by field name: `secret`, `client_secret`, `reader_secret`, `token`, `pin`, `cvc`, … whatever
 *   their value looks like, and a card `number` keeps only its last four digits.
 */

const redacted = '[REDACTED]';

const credentialPatterns: ReadonlyArray<[RegExp, string]> = [
  [/\b(sk|rk)_(test|live)_[A-Za-z0-9_-]+/g, `$1_$2_${redacted}`],
  [/\bwhsec_[A-Za-z0-9_-]+/g, `whsec_${redacted}`],
  [/\bpst_(test|live)_[A-Za-z0-9_=-]+/g, `pst_$1_${redacted}`],
  [/\bsdks_(test|live)_[A-Za-z0-9_=-]+/g, `sdks_$1_${redacted}`],
  [/\botscr_[A-Za-z0-9_.-]+/g, `otscr_${redacted}`],
  // A PaymentIntent's or SetupIntent's client secret keeps its object id (useful when reading a log).
  [/\b((?:pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+/g, `$1_secret_${redacted}`],
];

/** 12–19 digits, optionally grouped by single spaces, dashes or `+` (form-encoded spaces): the shapes a card number is typed in. */
const panPattern = /(?<![0-9])[0-9](?:[ +-]?[0-9]){11,18}(?![0-9])/g;

/** Fields whose whole value is a credential, whatever it looks like. */
const secretFields = new Set([
  'secret', 'client_secret', 'reader_secret', 'secret_key', 'token', 'connection_token', 'pin', 'cvc', 'password',
  'authorization', 'api_key',
]);

function maskPan(match: string): string {
  const digits = match.replace(/[^0-9]/g, '');
  return `${'•'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/** A string with every credential and PAN-like digit run replaced. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of credentialPatterns) out = out.replace(pattern, replacement);
  return out.replace(panPattern, maskPan);
}

function redactValue(value: unknown, field: string | null, depth: number): unknown {
  if (typeof value === 'string') {
    if (field !== null && secretFields.has(field)) return value === '' ? value : redacted;
    return redactText(value);
  }
  if (typeof value === 'number') {
    // A card number sent as a JSON number.
    return field === 'number' && Number.isInteger(value) && String(Math.abs(value)).length >= 12 ? maskPan(String(value)) : value;
  }
  if (value === null || typeof value !== 'object') return value;
  // JSON from our own decoders is depth-bounded; this guards anything else.
  if (depth > 32) return redacted;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, field, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[redactText(key)] = redactValue(item, key.toLowerCase(), depth + 1);
  }
  return out;
}

/** A JSON-compatible value with every credential and card number replaced. */
export function redactJson(value: unknown): unknown {
  return redactValue(value, null, 0);
}

/** A body as text: parsed and redacted field by field when it is JSON, else redacted as text. */
export function redactBody(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.stringify(redactJson(JSON.parse(text)));
    } catch {
      // Not JSON after all: redacted as text below.
    }
  }
  return redactText(text);
}

/** Cuts a stored body to `max` characters, saying so (never in the middle of a redaction marker's meaning). */
export function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[truncated ${text.length - max} chars]`;
}
