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

/** Stripe allows at most 5 inputs per collect_inputs action. */
export const collectInputsCountMax = 5;

const inputTypes = ['email', 'numeric', 'phone', 'selection', 'signature', 'text'] as const;
const inputSchema = object({
  type: oneOf(inputTypes).req(),
  custom_text: object({
    title: str({ maxLength: 40 }).req(),
    description: str({ maxLength: 500 }),
    skip_button: str({ maxLength: 14 }),
    submit_button: str({ maxLength: 30 }),
  }).req(),
  required: bool(),
  selection: object({
    choices: array(
      object({
        id: str({ maxLength: 50 }).req(),
        text: str({ maxLength: 30 }).req(),
        style: oneOf(['primary', 'secondary'] as const),
      }),
      { max: 10 },
    ).req(),
  }),
  toggles: array(
    object({
      title: str({ maxLength: 50 }),
      description: str({ maxLength: 50 }),
      default_value: oneOf(['enabled', 'disabled'] as const),
    }),
    { max: 3 },
  ),
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
    const p = parseParams(
      { inputs: array(inputSchema, { max: collectInputsCountMax }).req(), metadata: metadata() },
      raw,
    );
    if (p.inputs.length === 0)
      throw new ApiError('parameter_missing', 'Missing required param: inputs.', { param: 'inputs' });
    const inputs = p.inputs.map((input, index) => {
      if (input.type === 'selection' && input.selection === undefined) {
        throw new ApiError('parameter_missing', `Missing required param: inputs[${index}][selection].`, {
          param: `inputs[${index}][selection]`,
        });
      }
      return {
        type: input.type,
        custom_text: {
          title: input.custom_text.title,
          description: input.custom_text.description ?? null,
          skip_button: input.custom_text.skip_button ?? null,
          submit_button: input.custom_text.submit_button ?? null,
        },
        required: input.required ?? null,
        ...(input.selection
          ? {
              // `id` and `text`: the choice made, null until the customer chooses.
              selection: {
                choices: input.selection.choices.map((c) => ({ id: c.id, style: c.style ?? null, text: c.text })),
                id: null,
                text: null,
              },
            }
          : {}),
        toggles:
          input.toggles?.map((t) => ({
            default_value: t.default_value ?? null,
            description: t.description ?? null,
            title: t.title ?? null,
            value: null,
          })) ?? null,
      };
    });
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
