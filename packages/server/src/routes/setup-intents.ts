/** `/v1/setup_intents` (in-person card saving: `card_present`). */
import { ApiError, type SetupIntent } from '@opentill/core';
import type { Filter } from '@opentill/engine';
import {
  array,
  bool,
  id,
  listParams,
  mergeMetadata,
  metadata,
  object,
  oneOf,
  parseParams,
  str,
} from '@opentill/protocol';
import type { App } from '../app.js';
import { expandObject } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

const paymentMethodTypes = array(oneOf(['card_present', 'card'] as const), { max: 10 });
const allowRedisplay = oneOf(['always', 'limited', 'unspecified'] as const);

export function registerSetupIntents(app: App, services: Services): void {
  const { engine, setupIntents } = services;
  const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.route(
    'POST',
    '/v1/setup_intents',
    async (_request, ctx, raw) => {
      const p = parseParams(
        {
          confirm: bool(),
          customer: str({ maxLength: 255 }),
          description: str({ maxLength: 1000 }),
          metadata: metadata(),
          on_behalf_of: str({ maxLength: 255 }),
          payment_method: id(),
          payment_method_options: object({ card_present: object({}).orEmpty(), card: object({}).orEmpty() }),
          payment_method_types: paymentMethodTypes,
          /** stripe-node 23 names it so; the older name stays accepted. */
          allowed_payment_method_types: paymentMethodTypes,
          usage: oneOf(['off_session', 'on_session'] as const),
          return_url: str({ maxLength: 2048 }),
        },
        raw,
      );
      if (p.confirm && p.payment_method === undefined) {
        throw new ApiError('parameter_missing', 'Missing required param: payment_method.', { param: 'payment_method' });
      }
      const setupIntent = await setupIntents.create(ctx, {
        paymentMethodTypes: p.payment_method_types ?? p.allowed_payment_method_types ?? ['card_present'],
        usage: p.usage ?? 'off_session',
        fields: {
          ...(p.customer !== undefined ? { customer: p.customer } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          ...(p.on_behalf_of !== undefined ? { on_behalf_of: p.on_behalf_of } : {}),
          metadata: mergeMetadata({}, p.metadata),
        },
        confirm: p.confirm ?? false,
        paymentMethod: p.payment_method ?? null,
      });
      return expandObject(engine, ctx, setupIntent, p.expand ?? []);
    },
    { resultType: 'setup_intent' },
  );

  app.route('GET', '/v1/setup_intents/:id', async (request, ctx, raw) => {
    const p = parseParams({ client_secret: str({ maxLength: 255 }) }, raw);
    const setupIntent = await setupIntents.retrieve(ctx, idOf(request));
    if (p.client_secret !== undefined && p.client_secret !== setupIntent.client_secret) {
      throw new ApiError('resource_missing', `No such setupintent: '${setupIntent.id}'`, { param: 'intent' });
    }
    return expandObject(engine, ctx, setupIntent, p.expand ?? []);
  });

  app.route('POST', '/v1/setup_intents/:id', async (request, ctx, raw) => {
    const p = parseParams(
      {
        customer: str({ maxLength: 255 }).orEmpty(),
        description: str({ maxLength: 1000 }).orEmpty(),
        metadata: metadata(),
        payment_method_types: paymentMethodTypes,
      },
      raw,
    );
    const setupIntent = await setupIntents.update(ctx, idOf(request), {
      ...(p.customer !== undefined ? { customer: p.customer } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.payment_method_types !== undefined ? { paymentMethodTypes: p.payment_method_types } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
    });
    return expandObject(engine, ctx, setupIntent, p.expand ?? []);
  });

  app.route('GET', '/v1/setup_intents', async (_request, ctx, raw) => {
    const p = parseParams(
      { ...listParams, customer: str({ maxLength: 255 }), payment_method: id(), attach_to_self: bool() },
      raw,
    );
    const filters: Filter[] = [];
    if (p.customer !== undefined) filters.push({ field: 'customer', op: 'eq', value: p.customer });
    if (p.payment_method !== undefined) filters.push({ field: 'payment_method', op: 'eq', value: p.payment_method });
    return listObjects(engine, ctx, '/v1/setup_intents', 'setup_intent', p, filters);
  });

  app.route('POST', '/v1/setup_intents/:id/cancel', async (request, ctx, raw) => {
    const p = parseParams(
      { cancellation_reason: oneOf(['abandoned', 'requested_by_customer', 'duplicate'] as const) },
      raw,
    );
    const setupIntent: SetupIntent = await setupIntents.cancel(ctx, idOf(request), p.cancellation_reason ?? null);
    return expandObject(engine, ctx, setupIntent, p.expand ?? []);
  });

  app.route('POST', '/v1/setup_intents/:id/confirm', async (request, ctx, raw) => {
    const p = parseParams(
      { payment_method: id(), return_url: str({ maxLength: 2048 }), allow_redisplay: allowRedisplay },
      raw,
    );
    const setupIntent = await setupIntents.confirm(ctx, idOf(request), {
      paymentMethod: p.payment_method ?? null,
      allowRedisplay: p.allow_redisplay ?? 'unspecified',
    });
    return expandObject(engine, ctx, setupIntent, p.expand ?? []);
  });
}
