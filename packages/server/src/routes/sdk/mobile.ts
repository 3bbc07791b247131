/**
 * What the mobile SDK (`@opentill/terminal-sdk/mobile`, docs/tap-to-pay-sdk.md) asks the server
 * besides readers and payments: `getLocations` (`GET /opentill/v1/sdk/locations`), the Locations a
 * connection token may use. A token scoped to a Location lists that Location only, as Stripe's SDK
 * only shows what the token can reach. And the SetupIntent calls the SDK makes itself
 * (`createSetupIntent`, `retrieveSetupIntent`, `cancelSetupIntent`): reached by client secret
 * only, like PaymentIntents (docs/sdk.md).
 */
import { intentIdOfClientSecret, type SetupIntent } from '@opentill/core';
import { SdkError, sameSecret, type SdkAuthenticated } from '@opentill/engine';
import { array, int, metadata, mergeMetadata, oneOf, parseParams, str } from '@opentill/protocol';
import { listObjects } from '../../http/list.js';
import type { Services } from '../../services.js';
import type { SdkRoute } from './sessions.js';

export function registerMobileSdk(services: Services, route: SdkRoute): void {
  const { engine } = services;
  route('GET', '/locations', async (auth, _body, query) => {
    const p = parseParams(
      {
        limit: int({ min: 1, max: 100 }),
        starting_after: str({ maxLength: 255 }),
        ending_before: str({ maxLength: 255 }),
      },
      Object.fromEntries([...query.entries()].map(([key, value]) => [key, key === 'limit' ? Number(value) : value])),
    );
    const scope = auth.session.object.location;
    if (scope !== null) {
      const found = await engine.store.get(auth.ctx.accountId, scope);
      const data = found && found.object['deleted'] !== true ? [found.object] : [];
      return { object: 'list', url: '/v1/terminal/locations', has_more: false, data };
    }
    return listObjects(engine, auth.ctx, '/v1/terminal/locations', 'terminal.location', p, [
      { field: 'deleted', op: 'eq', value: null },
    ]);
  });

  const { setupIntents } = services;
  route('POST', '/setup_intents', async (auth, body) => {
    const p = parseParams(
      {
        customer: str({ maxLength: 255 }),
        description: str({ maxLength: 1000 }),
        metadata: metadata(),
        on_behalf_of: str({ maxLength: 255 }),
        payment_method_types: array(oneOf(['card_present', 'interac_present'] as const), { max: 5 }),
        usage: oneOf(['off_session', 'on_session'] as const),
      },
      body,
    );
    return setupIntents.create(auth.ctx, {
      paymentMethodTypes: p.payment_method_types ?? ['card_present'],
      usage: p.usage ?? 'off_session',
      fields: {
        ...(p.customer !== undefined ? { customer: p.customer } : {}),
        ...(p.description !== undefined ? { description: p.description } : {}),
        ...(p.on_behalf_of !== undefined ? { on_behalf_of: p.on_behalf_of } : {}),
        metadata: mergeMetadata({}, p.metadata),
      },
      confirm: false,
      paymentMethod: null,
    });
  });

  const reachable = async (auth: SdkAuthenticated, clientSecret: string): Promise<SetupIntent> => {
    const id = intentIdOfClientSecret(clientSecret);
    const found = id?.startsWith('seti_') ? await engine.find<SetupIntent>(auth.ctx, id) : null;
    if (!found || found.object.object !== 'setup_intent' || !sameSecret(found.object.client_secret, clientSecret)) {
      throw new SdkError(400, 'invalid_setup_intent_client_secret', 'No SetupIntent has this client secret.');
    }
    return found.object;
  };

  route('POST', '/setup_intents/retrieve', async (auth, body) => {
    const p = parseParams({ client_secret: str({ maxLength: 255 }).req() }, body);
    return reachable(auth, p.client_secret);
  });

  route('POST', '/setup_intents/cancel', async (auth, body) => {
    const p = parseParams(
      {
        client_secret: str({ maxLength: 255 }).req(),
        cancellation_reason: oneOf(['abandoned', 'duplicate', 'requested_by_customer'] as const),
      },
      body,
    );
    const setupIntent = await reachable(auth, p.client_secret);
    return setupIntents.cancel(auth.ctx, setupIntent.id, p.cancellation_reason ?? null);
  });
}
