/**
 * The answer check `opentill serve` loads in tests (OPENTILL_TEST_ANSWER_CHECK, set by
 * startServer): every `/v1` answer is checked against stripe-node's types before it is sent. One
 * that differs is replaced by a 500 naming each difference, so the request's test fails where it
 * happened, and is printed with a marker that fails the test file at exit too (startServer; for a test
 * that only looks at the status of an answer it expects to fail).
 */
import { checkResponseBody } from './validate.js';

export const violationMarker = 'OPENTILL CONFORMANCE VIOLATION';

export default function checkAnswer(
  method: string,
  url: string,
  status: number,
  payload: string,
): { status: number; payload: string } | undefined {
  if (!url.startsWith('/v1/')) return undefined;
  const path = url.split('?')[0]!;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return report(method, path, status, ['$: the answer is not JSON']);
  }
  // A PaymentIntent read with its client secret (a publishable key's read): Stripe answers the
  // documented subset of its fields (docs/decisions.md, wire audit), which stripe-node does not type.
  const partial = method === 'GET' && /^\/v1\/payment_intents\/[^/]+$/.test(path) && /[?&]client_secret=/.test(url);
  const violations = checkResponseBody(body, status, undefined, { partial });
  if (violations.length === 0) return undefined;
  return report(
    method,
    path,
    status,
    violations.map((violation) => `${violation.at}: ${violation.message}`),
  );
}

function report(
  method: string,
  path: string,
  status: number,
  lines: string[],
): { status: number; payload: string } | undefined {
  const shown = lines.slice(0, 30);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  process.stderr.write(`${violationMarker} ${method} ${path} (${status}):\n  ${shown.join('\n  ')}\n`);
  // For surveying a whole file at once: the answer goes out as it was (the file still fails at exit).
  if (process.env['OPENTILL_TEST_CONFORMANCE'] === 'report') return undefined;
  return {
    status: 500,
    payload: JSON.stringify({
      error: {
        type: 'api_error',
        message: `${violationMarker} (test mode): the ${status} answer to ${method} ${path} differs from stripe-node's types: ${shown.join('; ')}`,
      },
    }),
  };
}
