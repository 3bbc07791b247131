/**
 * `/v1/accounts`: a platform's connected accounts (test accounts, verified at once). Requests act
 * as one with `Stripe-Account` (app.ts). docs/connect.md.
 */
import { compact } from '@opentill/core';
import {
  bool,
  currency,
  listEnvelope,
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

const email = str({ maxLength: 800, pattern: /^[^\s@]+@[^\s@]+$/, patternMessage: 'Invalid email address' });
const capabilities = object({
  card_payments: object({ requested: bool() }),
  transfers: object({ requested: bool() }),
});
const businessProfile = object({
  mcc: str({ maxLength: 4, pattern: /^\d{4}$/, patternMessage: 'Invalid mcc' }).orEmpty(),
  name: str({ maxLength: 255 }).orEmpty(),
  url: str({ maxLength: 5000 }).orEmpty(),
});
const businessType = oneOf(['company', 'government_entity', 'individual', 'non_profit'] as const);

const createSchema = {
  type: oneOf(['custom', 'express', 'standard'] as const),
  controller: object({
    fees: object({ payer: oneOf(['account', 'application'] as const) }),
    losses: object({ payments: oneOf(['application', 'stripe'] as const) }),
    requirement_collection: oneOf(['application', 'stripe'] as const),
    stripe_dashboard: object({ type: oneOf(['express', 'full', 'none'] as const) }),
  }),
  country: str({ maxLength: 2, minLength: 2, pattern: /^[A-Za-z]{2}$/, patternMessage: 'Invalid country' }),
  email,
  business_type: businessType,
  business_profile: businessProfile,
  capabilities,
  default_currency: currency(),
  metadata: metadata(),
};

const updateSchema = {
  email: email.orEmpty(),
  business_type: businessType.orEmpty(),
  business_profile: businessProfile,
  capabilities,
  default_currency: currency(),
  metadata: metadata(),
};

export function registerAccounts(app: App, services: Services): void {
  const { engine, connect } = services;

  app.route(
    'POST',
    '/v1/accounts',
    async (_request, ctx, raw) => {
      const p = parseParams(createSchema, raw);
      const account = await connect.createAccount(
        ctx,
        compact({
          type: p.type,
          controller: p.controller,
          country: p.country?.toUpperCase(),
          email: p.email,
          business_type: p.business_type,
          business_profile: p.business_profile,
          capabilities: p.capabilities,
          default_currency: p.default_currency,
          metadata: p.metadata ? mergeMetadata({}, p.metadata) : undefined,
        }),
      );
      return expandObject(engine, ctx, account, p.expand ?? []);
    },
    { resultType: 'account' },
  );

  app.route('GET', '/v1/accounts/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(
      engine,
      ctx,
      await connect.retrieveAccount(ctx, (request.params as { id: string }).id),
      p.expand ?? [],
    );
  });

  app.route('POST', '/v1/accounts/:id', async (request, ctx, raw) => {
    const p = parseParams(updateSchema, raw);
    const account = await connect.updateAccount(
      ctx,
      (request.params as { id: string }).id,
      compact({
        email: p.email,
        business_type: p.business_type,
        business_profile: p.business_profile,
        capabilities: p.capabilities,
        default_currency: p.default_currency,
        metadataPatch:
          p.metadata !== undefined
            ? (current: Record<string, string>) => mergeMetadata(current, p.metadata)
            : undefined,
      }),
    );
    return expandObject(engine, ctx, account, p.expand ?? []);
  });

  app.route('DELETE', '/v1/accounts/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    const id = (request.params as { id: string }).id;
    const deleted = await connect.deleteAccount(ctx, id);
    app.authenticator.forgetConnected(ctx.accountId, id);
    return deleted;
  });

  app.route('GET', '/v1/accounts', async (_request, ctx, raw) => {
    const p = parseParams({ ...listParams }, raw);
    // A connected account has no connected accounts of its own.
    if (ctx.platformId) return listEnvelope('/v1/accounts', [], false);
    return listObjects(engine, ctx, '/v1/accounts', 'account', p, [{ field: 'deleted', op: 'eq', value: null }]);
  });
}
