/**
 * Stripe's Terminal test helpers (`/v1/test_helpers/terminal/readers/:id/…`): what a cardholder
 * does at a simulated reader.
 */
import { ApiError, customerCancel, defaultSimulatedCard, limits } from '@opentill/core';
import { explainCardRefusal, type CardRead, type RequestContext } from '@opentill/engine';
import { bool, int, object, oneOf, parseParams, str } from '@opentill/protocol';
import type { App } from '../../app.js';
import { expandObject } from '../../http/expand.js';
import type { Services } from '../../services.js';
import { cardReadFrom } from '../opentill-test.js';

const cardNumber = str({
  maxLength: 19,
  minLength: 12,
  pattern: /^\d+$/,
  patternMessage: 'Your card number is incorrect.',
});

export function registerTerminalTestHelpers(app: App, services: Services): void {
  const { engine, terminalReaders: readers } = services;
  /** The reader's id, once checked to be a simulated reader (test helpers drive nothing else). */
  const simulated = async (request: { params: unknown }, ctx: RequestContext) => {
    const id = (request.params as { id: string }).id;
    const reader = (await readers.load(ctx, id)).object;
    if (reader._internal.link !== 'simulated') {
      throw new ApiError(
        'invalid_request_body',
        `Reader ${id} is not a simulated reader: test helpers only drive simulated readers.`,
      );
    }
    return id;
  };
  const readerId = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.route('POST', '/v1/test_helpers/terminal/readers/:id/present_payment_method', async (request, ctx, raw) => {
    const p = parseParams(
      {
        type: oneOf(['card', 'card_present', 'interac_present'] as const),
        card_present: object({ number: cardNumber }),
        interac_present: object({ number: cardNumber }),
        card: object({
          number: cardNumber.req(),
          exp_month: int({ min: 1, max: 12 }).req(),
          exp_year: int({ min: 2000, max: 2100 }).req(),
          cvc: str({ maxLength: 4, pattern: /^\d{3,4}$/, patternMessage: "Your card's security code is invalid." }),
        }),
        amount_tip: int({ min: 0, max: limits.amountMax }),
      },
      raw,
    );
    if (p.type === 'card' && p.card === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: card.', { param: 'card' });
    }
    const readFor = (types: string[]): CardRead => {
      if (p.type === 'card' && p.card) {
        // A keyed-in card: read like a card_present card with the given number and expiry.
        return cardReadFrom(
          {
            type: 'card_present',
            number: p.card.number,
            exp_month: p.card.exp_month,
            exp_year: p.card.exp_year,
            read_method: 'contact_emv',
          },
          types,
        );
      }
      const type = p.type === 'interac_present' || p.type === 'card_present' ? p.type : undefined;
      const number =
        type === 'interac_present'
          ? p.interac_present?.number
          : type === 'card_present'
            ? p.card_present?.number
            : (p.card_present?.number ?? p.interac_present?.number);
      return cardReadFrom(
        {
          ...(type ? { type } : p.interac_present && !p.card_present ? { type: 'interac_present' as const } : {}),
          ...(number !== undefined ? { number } : {}),
        },
        types,
      );
    };
    // A customer presents a card to the in-process device, which reports it through the device-side path.
    const number =
      p.card?.number ?? p.card_present?.number ?? p.interac_present?.number ?? defaultSimulatedCard.card_present;
    const reader = await services.readerDevices.simulatedInput(
      ctx,
      await simulated(request, ctx),
      {
        type: 'present_card',
        number,
        read_method: 'contactless_emv',
        wallet: null,
        tip_amount: p.amount_tip ?? 0,
      },
      { readFor, presets: { pin: '1234' }, explain: (current) => explainCardRefusal(current, ctx.nowMs) },
    );
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/test_helpers/terminal/readers/:id/succeed_input_collection', async (request, ctx, raw) => {
    const p = parseParams({ skip_non_required_inputs: oneOf(['all', 'none'] as const) }, raw);
    const reader = await readers.succeedInputCollection(
      ctx,
      await simulated(request, ctx),
      p.skip_non_required_inputs === 'all',
    );
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/test_helpers/terminal/readers/:id/timeout_input_collection', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(
      engine,
      ctx,
      await readers.timeoutInputCollection(ctx, await simulated(request, ctx)),
      p.expand ?? [],
    );
  });

  // ---------------------------------------------------------------------------------------------
  // OpenTill fault injection (docs/terminal.md), test mode only, under /opentill/v1/test/.
  // ---------------------------------------------------------------------------------------------
  const base = '/opentill/v1/test/terminal/readers/:id';
  const secondsMax = 600;

  app.route('POST', `${base}/offline`, async (request, ctx, raw) => {
    const p = parseParams({ silent_for_seconds: int({ min: 0, max: 365 * 24 * 3600 }) }, raw);
    return readers.setOffline(ctx, readerId(request), (p.silent_for_seconds ?? 121) * 1000);
  });

  app.route('POST', `${base}/online`, async (request, ctx, raw) => {
    parseParams({}, raw);
    return readers.setOnline(ctx, readerId(request));
  });

  app.route('POST', `${base}/busy`, async (request, ctx, raw) => {
    const p = parseParams({ seconds: int({ min: 0, max: secondsMax }).req() }, raw);
    return readers.setBusy(ctx, readerId(request), p.seconds);
  });

  app.route('POST', `${base}/next_command_timeout`, async (request, ctx, raw) => {
    const p = parseParams({ delivered: bool() }, raw);
    return readers.setFaults(ctx, readerId(request), {
      nextCommand: { timeout: true, delivered: p.delivered ?? false },
    });
  });

  app.route('POST', `${base}/next_authorization_connection_error`, async (request, ctx, raw) => {
    const p = parseParams({ charged: bool() }, raw);
    return readers.setFaults(ctx, readerId(request), {
      nextAuthorization: { connectionError: true, charged: p.charged ?? false },
    });
  });

  app.route('POST', `${base}/drop_next_final_event`, async (request, ctx, raw) => {
    parseParams({}, raw);
    return readers.setFaults(ctx, readerId(request), { dropNextFinalEvent: true });
  });

  app.route('POST', `${base}/authorization_latency`, async (request, ctx, raw) => {
    const p = parseParams({ seconds: int({ min: 0, max: secondsMax }).req() }, raw);
    return readers.setFaults(ctx, readerId(request), { authorizationLatencyMs: p.seconds * 1000 });
  });

  app.route('POST', `${base}/auto_present`, async (request, ctx, raw) => {
    const p = parseParams({ after_seconds: int({ min: 0, max: secondsMax }).orEmpty() }, raw);
    return readers.setFaults(ctx, readerId(request), {
      autoPresentAfterMs: p.after_seconds == null ? null : p.after_seconds * 1000,
    });
  });

  app.route('POST', `${base}/press_cancel`, async (request, ctx, raw) => {
    parseParams({}, raw);
    return services.readerDevices.simulatedInput(
      ctx,
      readerId(request),
      { type: 'cancel' },
      {
        explain: (current) => customerCancel(current, ctx.nowMs),
      },
    );
  });

  app.route('POST', `${base}/reset`, async (request, ctx, raw) => {
    parseParams({}, raw);
    await readers.setOnline(ctx, readerId(request));
    await readers.setBusy(ctx, readerId(request), 0);
    return readers.setFaults(ctx, readerId(request), {
      nextCommand: null,
      nextAuthorization: null,
      dropNextFinalEvent: false,
      authorizationLatencyMs: 0,
      autoPresentAfterMs: null,
    });
  });
}
