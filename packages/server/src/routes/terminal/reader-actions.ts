/** Server-driven reader actions: `POST /v1/terminal/readers/:id/<action>`. Each answers the reader at once. */
import { ApiError, limits } from '@opentill/core';
import {
  amount,
  array,
  bool,
  currency,
  id,
  int,
  mergeMetadata,
  metadata,
  object,
  oneOf,
  parseParams,
  str,
} from '@opentill/protocol';
import type { App } from '../../app.js';
import { expandObject } from '../../http/expand.js';
import { collectInputsFrom, collectInputsParam } from './collect-inputs.js';
import type { Services } from '../../services.js';

const allowRedisplay = oneOf(['always', 'limited', 'unspecified'] as const);
const tipping = object({ amount_eligible: int({ min: 0, max: limits.amountMax }) });

const processConfig = object({
  allow_redisplay: allowRedisplay,
  enable_customer_cancellation: bool(),
  return_url: str({ maxLength: 2048 }),
  skip_tipping: bool(),
  tipping,
});
const collectConfig = object({
  allow_redisplay: allowRedisplay,
  enable_customer_cancellation: bool(),
  skip_tipping: bool(),
  tipping,
});

export function registerTerminalReaderActions(app: App, services: Services): void {
  const { engine, terminalReaders: readers } = services;
  const readerId = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.route('POST', '/v1/terminal/readers/:id/process_payment_intent', async (request, ctx, raw) => {
    const p = parseParams({ payment_intent: id().req(), process_config: processConfig }, raw);
    const reader = await readers.processPaymentIntent(ctx, readerId(request), p.payment_intent, p.process_config);
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/collect_payment_method', async (request, ctx, raw) => {
    const p = parseParams({ payment_intent: id().req(), collect_config: collectConfig }, raw);
    const reader = await readers.collectPaymentMethod(ctx, readerId(request), p.payment_intent, p.collect_config);
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/confirm_payment_intent', async (request, ctx, raw) => {
    const p = parseParams(
      { payment_intent: id().req(), confirm_config: object({ return_url: str({ maxLength: 2048 }) }) },
      raw,
    );
    const reader = await readers.confirmPaymentIntent(ctx, readerId(request), p.payment_intent, p.confirm_config);
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/process_setup_intent', async (request, ctx, raw) => {
    const p = parseParams(
      {
        setup_intent: id().req(),
        allow_redisplay: allowRedisplay.req(),
        process_config: object({ enable_customer_cancellation: bool() }),
      },
      raw,
    );
    const reader = await readers.processSetupIntent(
      ctx,
      readerId(request),
      p.setup_intent,
      p.allow_redisplay,
      p.process_config,
    );
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/refund_payment', async (request, ctx, raw) => {
    const p = parseParams(
      {
        amount: amount(),
        charge: id(),
        payment_intent: id(),
        metadata: metadata(),
        refund_application_fee: bool(),
        reverse_transfer: bool(),
        refund_payment_config: object({ enable_customer_cancellation: bool() }),
      },
      raw,
    );
    const reader = await readers.refundPayment(ctx, readerId(request), {
      ...(p.charge !== undefined ? { charge: p.charge } : {}),
      ...(p.payment_intent !== undefined ? { paymentIntent: p.payment_intent } : {}),
      ...(p.amount !== undefined ? { amount: p.amount } : {}),
      ...(p.metadata !== undefined ? { metadata: mergeMetadata({}, p.metadata) } : {}),
      ...(p.refund_application_fee !== undefined ? { refundApplicationFee: p.refund_application_fee } : {}),
      ...(p.reverse_transfer !== undefined ? { reverseTransfer: p.reverse_transfer } : {}),
      ...(p.refund_payment_config !== undefined ? { config: p.refund_payment_config } : {}),
    });
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/set_reader_display', async (request, ctx, raw) => {
    const p = parseParams(
      {
        type: oneOf(['cart'] as const).req(),
        cart: object({
          currency: currency().req(),
          line_items: array(
            object({
              amount: int({ min: 0, max: limits.amountMax }).req(),
              description: str({ maxLength: 5000 }).req(),
              quantity: int({ min: 1, max: 1_000_000 }).req(),
            }),
          ).req(),
          tax: int({ min: 0, max: limits.amountMax }),
          total: int({ min: 0, max: limits.amountMax }).req(),
        }),
      },
      raw,
    );
    if (p.cart === undefined)
      throw new ApiError('parameter_missing', 'Missing required param: cart.', { param: 'cart' });
    const reader = await readers.setReaderDisplay(ctx, readerId(request), {
      currency: p.cart.currency,
      line_items: p.cart.line_items,
      tax: p.cart.tax ?? null,
      total: p.cart.total,
    });
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/collect_inputs', async (request, ctx, raw) => {
    const p = parseParams({ inputs: collectInputsParam, metadata: metadata() }, raw);
    const inputs = collectInputsFrom(p.inputs);
    const reader = await readers.collectInputs(
      ctx,
      readerId(request),
      inputs,
      p.metadata !== undefined ? mergeMetadata({}, p.metadata) : null,
    );
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('POST', '/v1/terminal/readers/:id/cancel_action', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(engine, ctx, await readers.cancelAction(ctx, readerId(request)), p.expand ?? []);
  });
}
