import { timingSafeEqual } from 'node:crypto';

/**
 * The one constant-time comparison of secrets and their digests (API keys, SDK session secrets,
 * reader credentials, CSRF tokens). Strings compare as UTF-8 bytes; a length difference answers
 * false at once, which leaks only the length — callers compare fixed-length digests or tokens.
 */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
