/** `/v1/payment_intents` */
import { ApiError, compact, limits, type PaymentIntent } from '@opentill/core';
import {
  amount,
  array,
  bool,
  currency,
  id,
  int,
  listParams,
  mergeMetadata,
  metadata,
  object,
  oneOf,
  parseParams,
  storedTextToWire,
  str,
} from '@opentill/protocol';
import { WireJson, type App } from '../app.js';
import { expandObject } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';
import type { CreateCommand, RequestContext } from '@opentill/engine';

const paymentMethodTypes = array(oneOf(['card_present', 'interac_present', 'card'] as const), {
  max: limits.paymentMethodTypeCountMax,
});

const paymentMethodOptions = object({
  card_present: object({
    capture_method: oneOf(['manual', 'manual_preferred'] as const).orEmpty(),
    request_extended_authorization: bool(),
    request_incremental_authorization_support: bool(),
    routing: object({ requested_priority: oneOf(['domestic', 'international'] as const) }),
  }).orEmpty(),
  interac_present: object({}).orEmpty(),
  card: object({ capture_method: oneOf(['manual'] as const).orEmpty() }).orEmpty(),
});

const descriptor = str({ maxLength: limits.statementDescriptorLengthMax });

/** Fields shared by create and update that carry no state-machine meaning. */
const plainFields = {
  customer: str({ maxLength: 255 }).orEmpty(),
  description: str({ maxLength: limits.descriptionLengthMax }).orEmpty(),
  receipt_email: str({
    maxLength: 800,
    pattern: /^[^\s@]+@[^\s@]+$/,
    patternMessage: 'Invalid email address',
  }).orEmpty(),
  setup_future_usage: oneOf(['off_session', 'on_session'] as const).orEmpty(),
  statement_descriptor: descriptor.orEmpty(),
  statement_descriptor_suffix: descriptor.orEmpty(),
  transfer_group: str({ maxLength: 255 }).orEmpty(),
};

const createSchema = {
  amount: amount().req(),
  currency: currency().req(),
  application_fee_amount: int({ min: 0, max: limits.amountMax }),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
  confirm: bool(),
  confirmation_method: oneOf(['automatic', 'manual'] as const),
  metadata: metadata(),
  on_behalf_of: id(),
  transfer_data: object({ destination: id().req(), amount: int({ min: 1, max: limits.amountMax }) }),
  payment_method: id(),
  payment_method_options: paymentMethodOptions,
  payment_method_types: paymentMethodTypes,
  allowed_payment_method_types: paymentMethodTypes,
  ...plainFields,
};

const updateSchema = {
  amount: amount(),
  currency: currency(),
  application_fee_amount: int({ min: 0, max: limits.amountMax }).orEmpty(),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
  metadata: metadata(),
  payment_method: id().orEmpty(),
  payment_method_options: paymentMethodOptions,
  payment_method_types: paymentMethodTypes,
  allowed_payment_method_types: paymentMethodTypes,
  ...plainFields,
};

/**
 * stripe-node 23 (API 2026-10-28) names the list `allowed_payment_method_types`; the docs' curl
 * examples and older SDKs send `payment_method_types`. Either sets the PaymentIntent's types.
 */
function requestedTypes(p: {
  payment_method_types?: string[];
  allowed_payment_method_types?: string[];
}): string[] | undefined {
  if (p.payment_method_types !== undefined && p.allowed_payment_method_types !== undefined) {
    throw new ApiError(
      'parameters_exclusive',
      'You may only specify one of these parameters: allowed_payment_method_types, payment_method_types.',
      { param: 'allowed_payment_method_types' },
    );
  }
  return p.allowed_payment_method_types ?? p.payment_method_types;
}

const retrieveSchema = { client_secret: str({ maxLength: 255 }) };

type PaymentMethodOptionsInput = Record<string, Record<string, unknown> | null> | undefined;

/** Stripe's shape of `payment_method_options`: an entry per payment method type, nulls for unset fields. */
function paymentMethodOptionsFor(
  types: string[],
  input: PaymentMethodOptionsInput,
  current: Record<string, Record<string, unknown>> = {},
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const type of types) {
    const base =
      current[type] ??
      (type === 'card_present'
        ? { request_extended_authorization: null, request_incremental_authorization_support: null }
        : {});
    const given = input?.[type];
    const merged: Record<string, unknown> = { ...base };
    if (given === null) {
      out[type] =
        type === 'card_present'
          ? { request_extended_authorization: null, request_incremental_authorization_support: null }
          : {};
      continue;
    }
    for (const [key, value] of Object.entries(given ?? {})) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    out[type] = merged;
  }
  return out;
}

/**
 * `POST /v1/payment_intents`'s parameters (decoded) → the PaymentIntent. The Terminal SDKs create
 * PaymentIntents too (`POST /opentill/v1/sdk/payment_intents`): same parameters, same rules.
 */
export function parseCreatePaymentIntent(raw: Record<string, unknown>) {
  return parseParams(createSchema, raw);
}

export async function createPaymentIntentFrom(
  services: Services,
  ctx: RequestContext,
  p: ReturnType<typeof parseCreatePaymentIntent>,
): Promise<PaymentIntent> {
  const transferData = p.transfer_data as { destination: string; amount?: number } | undefined;
  await services.connect.checkPaymentIntent(ctx, {
    amount: p.amount,
    transferData,
    onBehalfOf: p.on_behalf_of,
    applicationFeeAmount: p.application_fee_amount,
  });
  return services.paymentIntents.create(ctx, createCommandFrom(p));
}

/** The engine's create command of parsed parameters (also what a forwarded offline payment is created from). */
export function createCommandFrom(p: ReturnType<typeof parseCreatePaymentIntent>): CreateCommand {
  const types = requestedTypes(p) ?? ['card_present'];
  const transferData = p.transfer_data as { destination: string; amount?: number } | undefined;
  return {
    amount: p.amount,
    currency: p.currency,
    captureMethod: p.capture_method ?? 'automatic',
    paymentMethodTypes: types,
    paymentMethodOptions: paymentMethodOptionsFor(types, p.payment_method_options as PaymentMethodOptionsInput),
    confirm: p.confirm ?? false,
    paymentMethod: p.payment_method ?? null,
    fields: compact({
      allowed_payment_method_types: p.allowed_payment_method_types,
      application_fee_amount: p.application_fee_amount,
      customer: p.customer ?? undefined,
      description: p.description ?? undefined,
      metadata: p.metadata ? mergeMetadata({}, p.metadata) : undefined,
      receipt_email: p.receipt_email ?? undefined,
      setup_future_usage: p.setup_future_usage ?? undefined,
      statement_descriptor: p.statement_descriptor ?? undefined,
      statement_descriptor_suffix: p.statement_descriptor_suffix ?? undefined,
      on_behalf_of: p.on_behalf_of,
      transfer_data: transferData
        ? {
            destination: transferData.destination,
            ...(transferData.amount !== undefined ? { amount: transferData.amount } : {}),
          }
        : undefined,
      transfer_group: p.transfer_group ?? undefined,
    }),
  };
}

/**
 * The fields of a PaymentIntent that Stripe's reference marks "retrievable with publishable key":
 * a publishable key holding the client secret reads these and nothing else (no metadata, amounts
 * received or capturable, charge, customer, options).
 */
export const publishableFields = [
  'id',
  'object',
  'amount',
  'automatic_payment_methods',
  'canceled_at',
  'cancellation_reason',
  'capture_method',
  'client_secret',
  'confirmation_method',
  'created',
  'currency',
  'description',
  'last_payment_error',
  'livemode',
  'next_action',
  'payment_method',
  'payment_method_types',
  'processing',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'status',
] as const;

function publishableView(paymentIntent: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of publishableFields) if (field in paymentIntent) out[field] = paymentIntent[field];
  return out;
}

export function registerPaymentIntents(app: App, services: Services): void {
  const { engine, paymentIntents } = services;
  const render = (ctx: Parameters<typeof expandObject>[1], pi: PaymentIntent, expand: string[] | undefined) =>
    expandObject(engine, ctx, pi, expand ?? []);

  app.route(
    'POST',
    '/v1/payment_intents',
    async (_request, ctx, raw) => {
      const p = parseCreatePaymentIntent(raw);
      const paymentIntent = await createPaymentIntentFrom(services, ctx, p);
      return render(ctx, paymentIntent, p.expand);
    },
    { resultType: 'payment_intent' },
  );

  app.route(
    'GET',
    '/v1/payment_intents/:id',
    async (request, ctx, raw) => {
      const p = parseParams(retrieveSchema, raw);
      const intentId = (request.params as { id: string }).id;
      if (request.principal?.kind === 'publishable') {
        // A publishable key may only read a PaymentIntent whose client secret it holds.
        if (p.client_secret === undefined)
          throw new ApiError('parameter_missing', 'Missing required param: client_secret.', { param: 'client_secret' });
        const paymentIntent = await paymentIntents.retrieve(ctx, intentId).catch(() => null);
        if (!paymentIntent || paymentIntent.client_secret !== p.client_secret) {
          throw new ApiError(
            'resource_missing',
            'The client_secret provided does not match the client_secret associated with the PaymentIntent.',
            { param: 'client_secret' },
          );
        }
        return publishableView(await render(ctx, paymentIntent, p.expand));
      }
      if (p.expand === undefined || p.expand.length === 0) {
        // The common read: send the stored text minus `_internal`, unparsed (see storedTextToWire).
        const stored = await paymentIntents.retrieveText(ctx, intentId);
        const wire = stored === null ? null : storedTextToWire(stored.data);
        if (wire !== null) return new WireJson(wire);
      }
      return render(ctx, await paymentIntents.retrieve(ctx, intentId), p.expand);
    },
    { publishable: true },
  );

  app.route('POST', '/v1/payment_intents/:id', async (request, ctx, raw) => {
    const p = parseParams(updateSchema, raw);
    const intentId = (request.params as { id: string }).id;
    const requested = requestedTypes(p);
    const current =
      requested !== undefined || p.payment_method_options !== undefined || p.application_fee_amount != null
        ? await paymentIntents.retrieve(ctx, intentId)
        : null;
    // Connect: a fee only on a destination or direct charge, within the amount.
    if (current !== null && p.application_fee_amount != null) {
      services.connect.checkApplicationFee(
        ctx,
        p.application_fee_amount,
        current['transfer_data'] != null,
        p.amount ?? current.amount,
      );
    }
    const types = requested ?? current?.payment_method_types;
    const paymentIntent = await paymentIntents.update(ctx, intentId, {
      ...(p.amount !== undefined ? { amount: p.amount } : {}),
      ...(p.currency !== undefined ? { currency: p.currency } : {}),
      ...(p.capture_method !== undefined ? { captureMethod: p.capture_method } : {}),
      ...(requested !== undefined ? { paymentMethodTypes: requested } : {}),
      ...(types && current
        ? {
            paymentMethodOptions: paymentMethodOptionsFor(
              types,
              p.payment_method_options as PaymentMethodOptionsInput,
              current.payment_method_options,
            ),
          }
        : {}),
      ...(p.payment_method !== undefined ? { paymentMethod: p.payment_method } : {}),
      ...(p.application_fee_amount !== undefined ? { applicationFeeAmount: p.application_fee_amount } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
      fields: compact({
        allowed_payment_method_types: p.allowed_payment_method_types,
        customer: p.customer,
        description: p.description,
        receipt_email: p.receipt_email,
        setup_future_usage: p.setup_future_usage,
        statement_descriptor: p.statement_descriptor,
        statement_descriptor_suffix: p.statement_descriptor_suffix,
        transfer_group: p.transfer_group,
      }),
    });
    return render(ctx, paymentIntent, p.expand);
  });

  app.route('GET', '/v1/payment_intents', async (_request, ctx, raw) => {
    const p = parseParams({ ...listParams, customer: str({ maxLength: 255 }) }, raw);
    return listObjects(
      engine,
      ctx,
      '/v1/payment_intents',
      'payment_intent',
      p,
      p.customer !== undefined ? [{ field: 'customer', op: 'eq', value: p.customer }] : [],
    );
  });

  app.route('POST', '/v1/payment_intents/:id/confirm', async (request, ctx, raw) => {
    const p = parseParams(
      {
        payment_method: id(),
        payment_method_options: paymentMethodOptions,
        receipt_email: plainFields.receipt_email,
        return_url: str({ maxLength: 2048 }),
        capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
        setup_future_usage: plainFields.setup_future_usage,
      },
      raw,
    );
    const intentId = (request.params as { id: string }).id;
    const carriesUpdate =
      p.capture_method !== undefined ||
      p.receipt_email !== undefined ||
      p.payment_method_options !== undefined ||
      p.setup_future_usage !== undefined;
    // The parameters and the confirmation commit together (one commit: nothing half done by a crash).
    const paymentIntent = await paymentIntents.confirm(ctx, intentId, {
      paymentMethod: p.payment_method ?? null,
      pin: null,
      tipAmount: 0,
      reader: null,
      ...(carriesUpdate
        ? {
            update: (current: PaymentIntent) => ({
              ...(p.capture_method !== undefined ? { captureMethod: p.capture_method } : {}),
              ...(p.payment_method_options !== undefined
                ? {
                    paymentMethodOptions: paymentMethodOptionsFor(
                      current.payment_method_types,
                      p.payment_method_options as PaymentMethodOptionsInput,
                      current.payment_method_options,
                    ),
                  }
                : {}),
              fields: compact({ receipt_email: p.receipt_email, setup_future_usage: p.setup_future_usage }),
            }),
          }
        : {}),
    });
    return render(ctx, paymentIntent, p.expand);
  });

  app.route('POST', '/v1/payment_intents/:id/capture', async (request, ctx, raw) => {
    const p = parseParams(
      {
        amount_to_capture: amount(),
        application_fee_amount: int({ min: 0, max: limits.amountMax }),
        final_capture: bool(),
        metadata: metadata(),
        statement_descriptor: descriptor,
        statement_descriptor_suffix: descriptor,
      },
      raw,
    );
    if (p.final_capture === false) {
      throw new ApiError(
        'payment_intent_invalid_parameter',
        'final_capture=false is only available with multicapture, which card_present payments do not support.',
        { param: 'final_capture' },
      );
    }
    if (p.application_fee_amount !== undefined) {
      // Connect: a fee only on a destination or direct charge (the amount is checked by the capture itself).
      const current = await paymentIntents.retrieve(ctx, (request.params as { id: string }).id);
      services.connect.checkApplicationFee(
        ctx,
        p.application_fee_amount,
        current['transfer_data'] != null,
        Number.MAX_SAFE_INTEGER,
      );
    }
    const paymentIntent = await paymentIntents.capture(ctx, (request.params as { id: string }).id, {
      ...(p.amount_to_capture !== undefined ? { amountToCapture: p.amount_to_capture } : {}),
      ...(p.application_fee_amount !== undefined ? { applicationFeeAmount: p.application_fee_amount } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
      ...(p.statement_descriptor !== undefined ? { statementDescriptor: p.statement_descriptor } : {}),
      ...(p.statement_descriptor_suffix !== undefined
        ? { statementDescriptorSuffix: p.statement_descriptor_suffix }
        : {}),
    });
    return render(ctx, paymentIntent, p.expand);
  });

  app.route('POST', '/v1/payment_intents/:id/cancel', async (request, ctx, raw) => {
    const p = parseParams(
      {
        cancellation_reason: oneOf(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer'] as const),
      },
      raw,
    );
    const paymentIntent = await paymentIntents.cancel(
      ctx,
      (request.params as { id: string }).id,
      p.cancellation_reason ?? null,
    );
    return render(ctx, paymentIntent, p.expand);
  });

  app.route('POST', '/v1/payment_intents/:id/increment_authorization', async (request, ctx, raw) => {
    const p = parseParams(
      {
        amount: amount().req(),
        application_fee_amount: int({ min: 0, max: limits.amountMax }),
        description: str({ maxLength: limits.descriptionLengthMax }),
        metadata: metadata(),
        statement_descriptor: descriptor,
      },
      raw,
    );
    const paymentIntent = await paymentIntents.incrementAuthorization(ctx, (request.params as { id: string }).id, {
      amount: p.amount,
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.application_fee_amount !== undefined ? { applicationFeeAmount: p.application_fee_amount } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
    });
    return render(ctx, paymentIntent, p.expand);
  });
}
