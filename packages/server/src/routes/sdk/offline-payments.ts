/**
 * Offline payments of the mobile SDK (docs/offline.md), under `/opentill/v1/sdk/` (SDK session
 * bearer, JSON): the settings a device keeps to take payments while offline, and the forwarding
 * of what it stored. Forwarding is idempotent on `offline_id` (the device's id of the payment).
 */
import { ApiError, isSupportedCurrency, limits, minimumChargeAmount } from '@opentill/core';
import type { OfflineLimits } from '@opentill/engine';
import { int, object, parseParams, str, type Schema } from '@opentill/protocol';
import type { App } from '../../app.js';
import type { Services } from '../../services.js';
import { createCommandFrom, parseCreatePaymentIntent } from '../payment-intents.js';
import type { SdkRoute } from './sessions.js';

export function registerOfflinePayments(app: App, services: Services, route: SdkRoute): void {
  const { offlinePayments } = services;

  // The account's offline limits (secret key, form-encoded): OpenTill-only, Stripe sets them per account out of band.
  const view = ({ _internal: _dropped, ...shown }: OfflineLimits & { _internal?: unknown }) => shown;
  app.route('GET', '/opentill/v1/offline/limits', async (_request, ctx) => view(await offlinePayments.limits(ctx)));
  app.route('POST', '/opentill/v1/offline/limits', async (_request, ctx, raw) => {
    const p = parseParams(
      {
        transaction_amount_max: currencyMap(raw['transaction_amount_max'], 'transaction_amount_max'),
        stored_amount_max: currencyMap(raw['stored_amount_max'], 'stored_amount_max'),
        payment_count_max: int({ min: 1, max: limits.offlinePaymentCountMax }),
        payment_age_max_seconds: int({ min: 60, max: limits.offlinePaymentAgeMaxMs / 1000 }),
      },
      raw,
    );
    const lower = (map: Record<string, number | null> | undefined) =>
      map
        ? Object.fromEntries(Object.entries(map).map(([currency, value]) => [currency.toLowerCase(), value]))
        : undefined;
    const transactionAmountMax = lower(p.transaction_amount_max);
    const storedAmountMax = lower(p.stored_amount_max);
    return view(
      await offlinePayments.updateLimits(ctx, {
        ...(transactionAmountMax ? { transactionAmountMax } : {}),
        ...(storedAmountMax ? { storedAmountMax } : {}),
        ...(p.payment_count_max !== undefined ? { paymentCountMax: p.payment_count_max } : {}),
        ...(p.payment_age_max_seconds !== undefined ? { paymentAgeMaxSeconds: p.payment_age_max_seconds } : {}),
      }),
    );
  });

  route('GET', '/offline/settings', async (auth, _body, query) => {
    const location = query.get('location');
    if (!location) throw new ApiError('parameter_missing', 'Missing required param: location.', { param: 'location' });
    return offlinePayments.settings(auth, location.slice(0, 255));
  });

  route('POST', '/offline/payments', async (auth, body) => {
    const { payment_intent: raw, ...rest } = body;
    const p = parseParams(
      {
        offline_id: str({
          minLength: 8,
          maxLength: 64,
          pattern: /^[A-Za-z0-9_-]+$/,
          patternMessage: 'offline_id is letters, digits, "_" and "-".',
        }).req(),
        stored_at: int({ min: 0, max: 8_640_000_000_000_000 }).req(),
        sealed_card: str({ maxLength: 2048 }).req(),
        key_id: str({ maxLength: 100 }).req(),
        reader: str({ maxLength: 255 }),
      },
      rest,
    );
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ApiError(
        'invalid_request_body',
        'payment_intent must be an object (the createPaymentIntent parameters).',
        { param: 'payment_intent' },
      );
    }
    const create = parseCreatePaymentIntent(raw as Record<string, unknown>);
    if (create.confirm === true || create.payment_method !== undefined) {
      throw new ApiError(
        'invalid_request_body',
        'A forwarded payment is confirmed with the card read offline: no confirm or payment_method.',
        { param: 'payment_intent' },
      );
    }
    const minimum = minimumChargeAmount(create.currency);
    if (create.amount < minimum) {
      throw new ApiError('amount_too_small', `Amount must be at least ${minimum} ${create.currency}`, {
        param: 'payment_intent[amount]',
      });
    }
    if (create.amount > limits.amountMax) {
      throw new ApiError('amount_too_large', `Amount must be no more than ${limits.amountMax}`, {
        param: 'payment_intent[amount]',
      });
    }
    const { confirm: _confirm, paymentMethod: _paymentMethod, ...command } = createCommandFrom(create);
    return offlinePayments.forward(auth, {
      offlineId: p.offline_id,
      storedAtMs: p.stored_at,
      create: command,
      sealedCard: p.sealed_card,
      keyId: p.key_id,
      reader: p.reader ?? null,
    });
  });
}

/** `transaction_amount_max[eur]=…`: an object keyed by supported currencies; "" removes a currency. */
function currencyMap(value: unknown, name: string): Schema<Record<string, number | null>> {
  const shape: Record<string, Schema<number | null>> = {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      if (!isSupportedCurrency(key.toLowerCase())) {
        throw new ApiError('invalid_currency', `Invalid currency: ${key.slice(0, 10)}.`, {
          param: `${name}[${key.slice(0, 10)}]`,
        });
      }
      shape[key] = int({ min: 1, max: limits.amountMax }).orEmpty();
    }
  }
  return object(shape) as unknown as Schema<Record<string, number | null>>;
}
