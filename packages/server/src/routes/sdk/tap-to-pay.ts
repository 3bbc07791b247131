/**
 * Tap to Pay endpoints (docs/tap-to-pay-sdk.md): the phone's connection and taps, and the
 * PaymentIntent calls the mobile SDKs make themselves, under `/opentill/v1/sdk/` (SDK session
 * bearer, JSON); the account's Tap to Pay settings under `/opentill/v1/tap_to_pay/settings`
 * (secret key, form-encoded like every server-side call).
 */
import { ApiError, type CvmLimitRow } from '@opentill/core';
import { SdkError } from '@opentill/engine';
import { bool, int, object, oneOf, parseParams, str, type Schema } from '@opentill/protocol';
import type { App } from '../../app.js';
import type { Services } from '../../services.js';
import { cardReadFrom } from '../opentill-test.js';
import { createPaymentIntentFrom, parseCreatePaymentIntent } from '../payment-intents.js';
import { pinParam, type SdkRoute } from './sessions.js';

const pinEnvironment = object({
  developerOptions: bool(),
  accessibilityServices: bool(),
  screenRecording: bool(),
  overlays: bool(),
  internet: bool().req(),
  screenshotAttempted: bool(),
});

/** The body keys of a connection; `device` is the DeviceFacts object, checked by the core rules. */
const connectionKeys = new Set([
  'location',
  'simulated',
  'device',
  'installation_id',
  'merchant_display_name',
  'on_behalf_of',
  'tos_acceptance_permitted',
]);

export function registerTapToPay(app: App, services: Services, route: SdkRoute): void {
  const { tapToPay, paymentIntents, sdkSessions } = services;

  route('POST', '/tap_to_pay/connection', async (auth, body) => {
    for (const key of Object.keys(body)) {
      if (!connectionKeys.has(key))
        throw new ApiError('parameter_unknown', `Received unknown parameter: ${key.slice(0, 60)}`, {
          param: key.slice(0, 60),
        });
    }
    const { device, ...rest } = body;
    const p = parseParams(
      {
        location: str({ maxLength: 255 }),
        simulated: bool(),
        installation_id: str({ maxLength: 200 }).req(),
        merchant_display_name: str({ maxLength: 500 }),
        on_behalf_of: str({ maxLength: 255 }),
        tos_acceptance_permitted: bool(),
      },
      rest,
    );
    if (device === undefined) {
      throw new SdkError(400, 'INVALID_REQUIRED_PARAMETER', 'The device facts (device) are required.', {
        reason: 'missing_fact',
        field: 'device',
      });
    }
    return tapToPay.connect(auth, {
      location: p.location,
      simulated: p.simulated ?? true,
      device,
      installationId: p.installation_id,
      ...(p.merchant_display_name !== undefined ? { merchantDisplayName: p.merchant_display_name } : {}),
      ...(p.on_behalf_of !== undefined ? { onBehalfOf: p.on_behalf_of } : {}),
      tosAcceptancePermitted: p.tos_acceptance_permitted ?? true,
    });
  });

  route('POST', '/tap_to_pay/tap', async (auth, body) => {
    const p = parseParams(
      {
        card: object({
          number: str({
            minLength: 12,
            maxLength: 19,
            pattern: /^\d+$/,
            patternMessage: 'Your card number is incorrect.',
          }).req(),
          wallet: oneOf(['apple_pay', 'google_pay', 'samsung_pay', 'unknown'] as const).orEmpty(),
        }).req(),
        pin: pinParam,
        pin_environment: pinEnvironment,
      },
      body,
    );
    const wallet = p.card.wallet ?? null;
    return tapToPay.tap(auth, {
      number: p.card.number,
      wallet,
      pin: p.pin ?? null,
      pinEnvironment: p.pin_environment ?? null,
      // The wallet is set once the brand rules accepted it (an unknown wallet is refused first).
      readFor: (types) => cardReadFrom({ number: p.card.number, read_method: 'contactless_emv' }, types),
    });
  });

  route('POST', '/payment_intents', async (auth, body) => {
    return createPaymentIntentFrom(services, auth.ctx, parseCreatePaymentIntent(body));
  });

  // PaymentIntents are reached by their client secret and within the session's Location scope
  // (SdkSessions.reachablePaymentIntent, docs/sdk.md), never by an id alone.
  route('POST', '/payment_intents/retrieve', async (auth, body) => {
    const p = parseParams({ client_secret: str({ maxLength: 255 }).req() }, body);
    return sdkSessions.reachablePaymentIntent(auth, p.client_secret);
  });

  route('POST', '/payment_intents/cancel', async (auth, body) => {
    const p = parseParams(
      {
        client_secret: str({ maxLength: 255 }).req(),
        payment_intent: str({ maxLength: 255 }),
        cancellation_reason: oneOf(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer'] as const),
      },
      body,
    );
    const paymentIntent = await sdkSessions.reachablePaymentIntent(auth, p.client_secret);
    if (p.payment_intent !== undefined && p.payment_intent !== paymentIntent.id) {
      throw new SdkError(
        400,
        'invalid_argument',
        `payment_intent (${p.payment_intent.slice(0, 60)}) is not the PaymentIntent of this client secret.`,
      );
    }
    return paymentIntents.cancel(auth.ctx, paymentIntent.id, p.cancellation_reason ?? null);
  });

  const cvmRow = object({
    currency: str({ minLength: 3, maxLength: 3, pattern: /^[a-zA-Z]{3}$/, patternMessage: 'Invalid currency.' }),
    limit: int({ min: 0, max: 99_999_999 }).orEmpty(),
    pin: bool(),
  });

  app.route('GET', '/opentill/v1/tap_to_pay/settings', async (_request, ctx) =>
    tapToPay.view(await tapToPay.settings(ctx)),
  );

  app.route('POST', '/opentill/v1/tap_to_pay/settings', async (_request, ctx, raw) => {
    const p = parseParams({ beta_countries: bool(), cvm_limits: objectOfCountries(raw['cvm_limits'], cvmRow) }, raw);
    const cvmLimits: Record<string, Partial<CvmLimitRow>> = {};
    for (const [country, given] of Object.entries(p.cvm_limits ?? {})) {
      const row = given as { currency?: string; limit?: number | null; pin?: boolean };
      cvmLimits[country.toUpperCase()] = {
        ...(row.currency !== undefined ? { currency: row.currency.toLowerCase() } : {}),
        ...(row.limit !== undefined ? { limit: row.limit } : {}),
        ...(row.pin !== undefined ? { pin: row.pin } : {}),
      };
    }
    try {
      return tapToPay.view(
        await tapToPay.updateSettings(ctx, {
          ...(p.beta_countries !== undefined ? { betaCountries: p.beta_countries } : {}),
          cvmLimits,
        }),
      );
    } catch (error) {
      if (error instanceof RangeError)
        throw new ApiError('invalid_request_body', error.message, { param: 'cvm_limits' });
      throw error;
    }
  });
}

/** `cvm_limits[GB][limit]=…`: an object keyed by two-letter country codes, each row checked by `row`. */
function objectOfCountries<S extends Schema<unknown>>(value: unknown, row: S) {
  const shape: Record<string, S> = {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of Object.keys(value)) {
      if (!/^[A-Za-z]{2}$/.test(key)) {
        throw new ApiError(
          'invalid_request_body',
          `cvm_limits keys are two-letter country codes, not '${key.slice(0, 20)}'.`,
          { param: `cvm_limits[${key.slice(0, 20)}]` },
        );
      }
      shape[key] = row;
    }
  }
  return object(shape);
}
