/**
 * Deterministic derivations. The simulator must replay identically (tests, recorded sessions), so
 * every "random-looking" value — fingerprint, authorization code, network transaction id, EMV
 * cryptogram, risk score — is a hash of its inputs instead of coming from a RNG or the clock.
 */
import { createHash, createHmac } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Stripe-style fingerprint: 16 alphanumeric (hence url-safe) characters. Keyed HMAC so the PAN
 * cannot be recovered by hashing candidate numbers without the deployment's key; the account id is
 * mixed in so the same card gets unrelated fingerprints on different accounts, as on Stripe.
 */
export function fingerprintOf(key: string, accountId: string, number: string): string {
  const digest = createHmac('sha256', key).update(`${accountId}:${number}`).digest();
  let out = '';
  // 32 digest bytes, 16 used; the mod-62 bias is irrelevant for an identifier.
  for (let i = 0; i < 16; i++) out += ALPHANUMERIC[digest[i]! % ALPHANUMERIC.length];
  return out;
}

function digestOf(parts: readonly (string | number)[]): Buffer {
  // A separator that cannot appear in the parts keeps ('a','bc') and ('ab','c') distinct.
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest();
}

/** `length` decimal digits (leading zeros kept) derived from `parts`. */
export function digitsFrom(length: number, ...parts: (string | number)[]): string {
  const value = BigInt('0x' + digestOf(parts).toString('hex'));
  return (value % 10n ** BigInt(length)).toString().padStart(length, '0');
}

/** `length` upper-case hex characters derived from `parts` (length ≤ 64). */
export function hexFrom(length: number, ...parts: (string | number)[]): string {
  return digestOf(parts).toString('hex').slice(0, length).toUpperCase();
}

/**
 * Risk score from the fingerprint, kept in 0–64 because Radar reports `risk_level: normal` for
 * scores below 65 and the simulator only ever says `normal`; a higher score would contradict it.
 */
export function riskScoreOf(fingerprint: string): number {
  return digestOf(['risk', fingerprint])[0]! % 65;
}
