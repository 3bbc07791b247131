/** How amounts, dates and statuses read on screen. */

// Minor-unit digits come from core: the same rule the reader's tip labels and the phone use.
import { minorUnitDigits } from '@opentill/core';

export function money(amount: unknown, currency: unknown): string {
  if (typeof amount !== 'number' || typeof currency !== 'string') return '—';
  const digits = minorUnitDigits(currency);
  const value = amount / 10 ** digits;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

/** Parses what a person typed ("12.50") into minor units of `currency`, or null. */
export function parseAmount(text: string, currency: string): number | null {
  const cleaned = text.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
  const digits = minorUnitDigits(currency);
  const [whole, fraction = ''] = cleaned.split('.');
  if (fraction.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

export function amountInput(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

const dateTime = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const fullDateTime = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** Stripe's `created` is in seconds; the request log's in milliseconds. */
export function when(seconds: unknown): string {
  return typeof seconds === 'number' ? dateTime.format(new Date(seconds * 1000)) : '—';
}

export function whenMs(ms: unknown, full = false): string {
  if (typeof ms !== 'number') return '—';
  const date = new Date(ms);
  return full
    ? `${fullDateTime.format(date)}.${String(date.getMilliseconds()).padStart(3, '0')}`
    : dateTime.format(date);
}

export function ago(ms: unknown, nowMs = Date.now()): string {
  if (typeof ms !== 'number') return 'never';
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function titleCase(text: string): string {
  const spaced = text.replace(/_/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** Reads `a.b.c` out of an API object, for display only. */
export function pick(object: unknown, path: string): unknown {
  let at: unknown = object;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

export const str = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));
