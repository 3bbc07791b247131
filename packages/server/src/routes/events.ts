/** `/v1/events`: what happened, kept 30 days. */
import { ApiError, limits } from '@opentill/core';
import { kinds, type Filter } from '@opentill/engine';
import { array, bool, listParams, parseParams, str } from '@opentill/protocol';
import type { App } from '../app.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

const eventType = str({ maxLength: 100, pattern: /^[a-z_.*]+$/, patternMessage: 'Invalid event type' });

/** `type` may end in `*` (`payment_intent.*`); `types` lists exact names. */
function typeFilter(type: string | undefined, types: string[] | undefined): Filter[] {
  if (type !== undefined && types !== undefined) {
    throw new ApiError('parameters_exclusive', 'You may only specify one of these parameters: type, types.', {
      param: 'types',
    });
  }
  if (type !== undefined) {
    if (type === '*') return [];
    if (type.endsWith('*')) return [{ field: 'type', op: 'prefix', value: type.slice(0, -1) }];
    if (type.includes('*')) throw new ApiError('invalid_request_body', `Invalid type: ${type}`, { param: 'type' });
    return [{ field: 'type', op: 'eq', value: type }];
  }
  if (types !== undefined) return [{ field: 'type', op: 'in', values: types }];
  return [];
}

export function registerEvents(app: App, services: Services): void {
  const { engine } = services;

  app.route('GET', '/v1/events/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    const event = await engine.load(ctx, kinds.event, (request.params as { id: string }).id);
    if (event.object.created * 1000 < ctx.nowMs - limits.eventRetentionMs) {
      throw new ApiError('resource_missing', `No such event: '${event.object.id}'`, { param: 'id' });
    }
    return event.object;
  });

  app.route('GET', '/v1/events', async (_request, ctx, raw) => {
    const p = parseParams(
      {
        ...listParams,
        type: eventType,
        types: array(eventType, { max: limits.eventTypesFilterCountMax }),
        delivery_success: bool(),
      },
      raw,
    );
    const retentionStart = Math.floor((ctx.nowMs - limits.eventRetentionMs) / 1000);
    const created = { ...(p.created ?? {}) };
    created.gte = Math.max(created.gte ?? retentionStart, retentionStart);
    /**
     * `delivery_success`: `true` keeps the events whose webhooks were all delivered — none pending,
     * none failed for good (a successful resend to that endpoint makes up for it), so events sent to
     * no endpoint count as delivered; `false` keeps the others, those with a delivery still pending
     * (retries scheduled) or failed. A `canceled` delivery (endpoint deleted) is owed to no one and
     * counts for neither. Filtered in the store query, so every match is reachable by the cursors.
     */
    return listObjects(
      engine,
      ctx,
      '/v1/events',
      'event',
      { ...p, created },
      typeFilter(p.type, p.types),
      p.delivery_success === undefined ? {} : { deliverySuccess: p.delivery_success },
    );
  });
}
