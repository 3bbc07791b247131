/**
 * On-reader tipping: which tip choices a reader shows for a payment. Pure: the configuration's
 * tipping for the payment's currency, the action's config and the amount in, the choices out.
 *
 * Stripe's rule: fixed amounts below the smart tip threshold (or when there are no percentages),
 * percentages of the eligible amount otherwise; a custom tip is always offered with the choices.
 */
import { minorUnitDigits } from '../currencies.js';

export interface TipChoice {
  label: string;
  amount: number;
}

export interface Tipping {
  options: TipChoice[];
  custom_allowed: boolean;
}

/**
 * The tip choices for a payment of `amount` in `currency`: `settings` is the effective
 * configuration's `tipping` object (by currency), `config` the action's process/collect config
 * (`skip_tipping`, `tipping.amount_eligible`). Null: the reader asks for no tip.
 */
export function tippingFor(
  settings: unknown,
  config: Record<string, unknown> | undefined,
  amount: number,
  currency: string,
): Tipping | null {
  if (config?.['skip_tipping'] === true) return null;
  const forCurrency = (settings as Record<string, Record<string, unknown>> | null | undefined)?.[currency];
  if (!forCurrency) return null;
  const eligibleGiven = (config?.['tipping'] as Record<string, unknown> | undefined)?.['amount_eligible'];
  const eligible = typeof eligibleGiven === 'number' ? eligibleGiven : amount;
  const threshold = typeof forCurrency['smart_tip_threshold'] === 'number' ? forCurrency['smart_tip_threshold'] : null;
  const fixed = Array.isArray(forCurrency['fixed_amounts']) ? (forCurrency['fixed_amounts'] as number[]) : [];
  const percentages = Array.isArray(forCurrency['percentages']) ? (forCurrency['percentages'] as number[]) : [];
  const useFixed = fixed.length > 0 && (percentages.length === 0 || (threshold !== null && eligible < threshold));
  const options = useFixed
    ? fixed.map((value) => ({ label: formatTipAmount(value, currency), amount: value }))
    : percentages.map((pct) => ({ label: `${pct}%`, amount: Math.round((eligible * pct) / 100) }));
  return options.length > 0 ? { options, custom_allowed: true } : null;
}

/**
 * A fixed tip amount as its label on the reader: the amount in major units with the currency's
 * symbol, always in the same en-US form whatever the server's locale (`€2.00`, `$1.50`, `£3.00`,
 * `¥200`, `CA$2.00`, `CHF 2.00`). Stripe's zero-decimal currencies have no decimals,
 * its three-decimal ones three.
 */
export function formatTipAmount(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const major = amount / 10 ** digits;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
      .format(major)
      .replace(/\u00a0/g, ' ');
  } catch {
    return `${major.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}
