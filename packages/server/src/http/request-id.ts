import { randomBytes } from 'node:crypto';

/**
 * `req_…` ids. 9 random bytes per process plus a counter: unique across processes and cheap on the
 * hot path (one random draw per process, not per request).
 */
const processPart = randomBytes(6).toString('base64url');
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) % 0x7fffffff;
  return `req_${processPart}${counter.toString(36).padStart(6, '0')}`;
}
