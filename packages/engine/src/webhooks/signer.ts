/**
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`: HMAC-SHA256 over `${t}.${body}`, keyed
 * by the whole `whsec_…` string as UTF-8, one `v1` per active secret (while a rolled secret is
 * still valid). What `stripe.webhooks.constructEvent` verifies.
 */
import { createHmac } from 'node:crypto';

export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${signPayload(secret, timestamp, body)}`)].join(',');
}

export const webhookUserAgent = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';
export const webhookContentType = 'application/json; charset=utf-8';
