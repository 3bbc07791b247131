/**
 * OpenTill's own test-mode endpoints, all under `/opentill/v1/test/` (never inside Stripe's `/v1`):
 * - card reads: what a reader does when a card is tapped, inserted or swiped, without a reader;
 * - the account's test clock, to see authorizations expire without waiting days;
 * - reset: the account starts over (`opentill reset`).
 */
import { ApiError, checkAmountWithTip, defaultSimulatedCard, type PaymentIntent } from '@opentill/core';
import type { CardRead, RequestContext } from '@opentill/engine';
import { amount, int, oneOf, parseParams, str } from '@opentill/protocol';
import type { App } from '../app.js';
import type { Services } from '../services.js';

const readMethods = [
  'contact_emv',
  'contactless_emv',
  'contactless_magstripe_mode',
  'magnetic_stripe_fallback',
  'magnetic_stripe_track2',
] as const;

const cardReadFields = {
  type: oneOf(['card_present', 'interac_present'] as const),
  number: str({ maxLength: 19, minLength: 12, pattern: /^\d+$/, patternMessage: 'Your card number is incorrect.' }),
  read_method: oneOf(readMethods),
  wallet: oneOf(['apple_pay', 'google_pay', 'samsung_pay'] as const),
  exp_month: int({ min: 1, max: 12 }),
  exp_year: int({ min: 2000, max: 2100 }),
  cardholder_name: str({ maxLength: 200 }),
};

type CardReadParams = {
  type?: CardRead['type'];
  number?: string;
  read_method?: CardRead['readMethod'];
  wallet?: 'apple_pay' | 'google_pay' | 'samsung_pay';
  exp_month?: number;
  exp_year?: number;
  cardholder_name?: string;
};

/** Defaults follow Stripe's simulated readers: Visa 4242, contactless, or Interac for Interac-only payments. */
export function cardReadFrom(p: CardReadParams, paymentMethodTypes: string[] = ['card_present']): CardRead {
  const type = p.type ?? (paymentMethodTypes.includes('card_present') ? 'card_present' : 'interac_present');
  const number = p.number ?? defaultSimulatedCard[type];
  return {
    type,
    number,
    readMethod:
      p.read_method ?? (p.wallet ? 'contactless_emv' : type === 'interac_present' ? 'contact_emv' : 'contactless_emv'),
    wallet: p.wallet ?? null,
    ...(p.exp_month !== undefined ? { expMonth: p.exp_month } : {}),
    ...(p.exp_year !== undefined ? { expYear: p.exp_year } : {}),
    ...(p.cardholder_name !== undefined ? { cardholderName: p.cardholder_name } : {}),
  };
}

/** Test clocks move forward only, by at most a year per call. */
const clockAdvanceSecondsMax = 366 * 24 * 60 * 60;
/** Scheduler batches run after an advance; the rest is left to the periodic tick. */
const drainRoundsMax = 100;

export function registerOpenTillTest(app: App, services: Services): void {
  const { paymentIntents, paymentMethods, scheduler, engine } = services;

  app.route(
    'POST',
    '/opentill/v1/test/payment_methods',
    async (_request, ctx, raw) => {
      const p = parseParams(cardReadFields, raw);
      return paymentMethods.createFromCardRead(ctx, cardReadFrom(p), 'number');
    },
    { resultType: 'payment_method' },
  );

  app.route('POST', '/opentill/v1/test/payment_intents/:id/present_card', async (request, ctx, raw) => {
    const p = parseParams(
      {
        ...cardReadFields,
        pin: str({ maxLength: 12, pattern: /^\d{4,12}$/, patternMessage: 'Invalid PIN' }),
        amount_tip: amount({ min: 0 }),
      },
      raw,
    );
    const intentId = (request.params as { id: string }).id;
    const current: PaymentIntent = await paymentIntents.retrieve(ctx, intentId);
    if (current.status !== 'requires_payment_method' && current.status !== 'requires_confirmation') {
      throw new ApiError(
        'intent_invalid_state',
        'Payment intent must be in the requires_payment_method state to be processed by a reader.',
        { param: 'payment_intent' },
      );
    }
    // Checked before the card read: a refused request must not leave a PaymentMethod behind.
    checkAmountWithTip(current.amount, p.amount_tip ?? 0, 'amount_tip');
    // The card's PaymentMethod and the confirmation commit together: a crash leaves neither or both.
    return paymentIntents.confirm(ctx, intentId, {
      paymentMethod: null,
      pin: p.pin ?? null,
      tipAmount: p.amount_tip ?? 0,
      reader: null,
      newPaymentMethod: paymentMethods.fromCardRead(ctx, cardReadFrom(p, current.payment_method_types), 'number'),
    });
  });

  const clockView = async (ctx: RequestContext) => {
    const account = await engine.store.getAccount(ctx.accountId);
    const offsetMs = account?.clockOffsetMs ?? 0;
    return {
      object: 'opentill.test_clock',
      frozen_time: Math.floor((engine.clock.nowMs() + offsetMs) / 1000),
      offset_seconds: Math.floor(offsetMs / 1000),
    };
  };

  // The clock this request ran at: on a node that has not re-read the account since another node
  // advanced it (at most a second, docs/cluster-running.md), still the old one, so a client can
  // wait for every node to see an advance.
  app.route('GET', '/opentill/v1/test/clock', async (_request, ctx, raw) => {
    parseParams({}, raw);
    return {
      object: 'opentill.test_clock',
      frozen_time: Math.floor(ctx.nowMs / 1000),
      offset_seconds: Math.round((ctx.nowMs - engine.clock.nowMs()) / 1000),
    };
  });

  app.route('POST', '/opentill/v1/test/clock/advance', async (_request, ctx, raw) => {
    const p = parseParams({ seconds: int({ min: 1, max: clockAdvanceSecondsMax }).req() }, raw);
    const account = await engine.store.getAccount(ctx.accountId);
    if (!account) throw new ApiError('resource_missing', 'No such account', { param: 'account' });
    await engine.store.updateAccount({ ...account, clockOffsetMs: account.clockOffsetMs + p.seconds * 1000 });
    app.authenticator.forgetAccount(ctx.accountId);
    // Everything that fell due in the skipped time happens now, before the answer.
    for (let round = 0; round < drainRoundsMax && (await scheduler.tickAccount(ctx.accountId)) > 0; round += 1) {
      // Drain in bounded batches.
    }
    return clockView(ctx);
  });

  /**
   * Deletes the account's data — every object (PaymentIntents, readers, locations, webhook endpoints…),
   * event, webhook delivery and idempotency key — in one transaction. The account, its API keys and
   * its test clock stay (test clocks only move forward). docs/decisions.md: "Reset".
   */
  app.route('POST', '/opentill/v1/test/reset', async (_request, ctx, raw) => {
    parseParams({}, raw);
    const deleted = await engine.store.resetAccount(ctx.accountId);
    return {
      object: 'opentill.test_reset',
      account: ctx.accountId,
      deleted: {
        objects: deleted.objects,
        webhook_deliveries: deleted.deliveries,
        webhook_attempts: deleted.attempts,
        idempotency_keys: deleted.idempotencyKeys,
      },
    };
  });
}
