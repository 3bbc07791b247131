/**
 * `/v1/webhook_endpoints` (Stripe) and OpenTill's webhook operability endpoints:
 * - `GET  /opentill/v1/webhook_attempts?event=evt_…|endpoint=we_…`  the delivery log (newest first);
 * - `GET  /opentill/v1/webhook_deliveries?event=…&endpoint=…`       deliveries, state and next retry;
 * - `POST /opentill/v1/events/:id/resend {endpoint}`                 sends an event to an endpoint again;
 * - `POST /opentill/v1/webhook_endpoints/:id/roll_secret {expires_in_seconds}` new secret, old one kept ≤ 24 h;
 * - `POST /opentill/v1/test/webhook_endpoints/:id/fault {mode: none|drop|delay, delay_seconds}` fault injection;
 * - `GET  /opentill/v1/events/stream?events=a,b`                     live events (Server-Sent Events) for `opentill listen`.
 */
import { ApiError, limits, secondsOf } from '@opentill/core';
import {
  apiVersion,
  rolledSecretGraceMsMax,
  type DeliveryAttempt,
  type DeliveryRow,
  type Filter,
} from '@opentill/engine';
import {
  array,
  bool,
  int,
  listParams,
  mergeMetadata,
  metadata,
  oneOf,
  parseParams,
  str,
  toWire,
} from '@opentill/protocol';
import type { App } from '../app.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

const eventTypeParam = str({ maxLength: 100 });
const versionParam = str({
  maxLength: 40,
  pattern: /^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$/,
  patternMessage: 'Invalid api_version',
});
const delaySecondsMax = 3 * 24 * 60 * 60;
const streamHeartbeatMs = 15_000;

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

function attemptView(attempt: DeliveryAttempt): Record<string, unknown> {
  return {
    object: 'opentill.webhook_attempt',
    delivery: attempt.deliveryId,
    event: attempt.eventId,
    endpoint: attempt.endpointId,
    attempt: attempt.attempt,
    created: seconds(attempt.atMs),
    attempted_at_ms: attempt.atMs,
    http_status: attempt.status,
    latency_ms: attempt.latencyMs,
    response_excerpt: attempt.responseExcerpt,
    error: attempt.error,
    next_retry_at: seconds(attempt.nextAttemptMs),
    node: attempt.node,
  };
}

function deliveryView(row: DeliveryRow): Record<string, unknown> {
  return {
    id: row.id,
    object: 'opentill.webhook_delivery',
    event: row.eventId,
    event_type: row.eventType,
    endpoint: row.endpointId,
    state: row.state,
    attempt_count: row.attemptCount,
    created: seconds(row.createdMs),
    next_attempt_at: seconds(row.nextAttemptMs),
    last_http_status: row.lastStatus,
    last_error: row.lastError,
  };
}

export function registerWebhookEndpoints(app: App, services: Services): void {
  const { engine, webhookEndpoints, eventsFeed } = services;
  const id = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.route('POST', '/v1/webhook_endpoints', async (_request, ctx, raw) => {
    const p = parseParams(
      {
        url: str({ maxLength: 5000 }).req(),
        enabled_events: array(eventTypeParam, { max: 500 }).req(),
        api_version: versionParam,
        connect: bool(),
        description: str({ maxLength: limits.descriptionLengthMax }).orEmpty(),
        metadata: metadata(),
      },
      raw,
    );
    // Connect endpoints belong to platforms: a connected account has no connected accounts to hear.
    if (p.connect === true && ctx.platformId) {
      throw new ApiError(
        'invalid_request_body',
        "A connected account cannot create a Connect webhook endpoint (connect=true); create it with the platform's key, " +
          'without Stripe-Account.',
        { param: 'connect' },
      );
    }
    return webhookEndpoints.create(ctx, {
      url: p.url,
      enabledEvents: p.enabled_events,
      apiVersion: p.api_version ?? null,
      description: p.description ?? null,
      metadata: mergeMetadata({}, p.metadata),
      connect: p.connect === true,
    });
  });

  app.route('GET', '/v1/webhook_endpoints/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return webhookEndpoints.retrieve(ctx, id(request));
  });

  app.route('POST', '/v1/webhook_endpoints/:id', async (request, ctx, raw) => {
    const p = parseParams(
      {
        url: str({ maxLength: 5000 }),
        enabled_events: array(eventTypeParam, { max: 500 }),
        disabled: bool(),
        description: str({ maxLength: limits.descriptionLengthMax }).orEmpty(),
        metadata: metadata(),
      },
      raw,
    );
    return webhookEndpoints.update(ctx, id(request), {
      ...(p.url !== undefined ? { url: p.url } : {}),
      ...(p.enabled_events !== undefined ? { enabledEvents: p.enabled_events } : {}),
      ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.metadata !== undefined
        ? { metadataPatch: (m: Record<string, string>) => mergeMetadata(m, p.metadata) }
        : {}),
    });
  });

  app.route('GET', '/v1/webhook_endpoints', async (_request, ctx, raw) => {
    const p = parseParams({ ...listParams }, raw);
    const filters: Filter[] = [{ field: 'deleted', op: 'eq', value: null }];
    return listObjects(engine, ctx, '/v1/webhook_endpoints', 'webhook_endpoint', p, filters);
  });

  app.route('DELETE', '/v1/webhook_endpoints/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return webhookEndpoints.delete(ctx, id(request));
  });

  // --- OpenTill operability ------------------------------------------------------------------

  const logQuery = {
    event: str({ maxLength: 255 }),
    endpoint: str({ maxLength: 255 }),
    limit: int({ min: 1, max: 100 }),
  };

  app.route('GET', '/opentill/v1/webhook_attempts', async (_request, ctx, raw) => {
    const p = parseParams(logQuery, raw);
    if (p.event === undefined && p.endpoint === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: event or endpoint.', { param: 'event' });
    }
    const attempts = await engine.store.outbox.attempts({
      accountId: ctx.accountId,
      limit: p.limit ?? 100,
      ...(p.event !== undefined ? { eventId: p.event } : {}),
      ...(p.endpoint !== undefined ? { endpointId: p.endpoint } : {}),
    });
    return { object: 'list', url: '/opentill/v1/webhook_attempts', has_more: false, data: attempts.map(attemptView) };
  });

  app.route('GET', '/opentill/v1/webhook_deliveries', async (_request, ctx, raw) => {
    const p = parseParams(logQuery, raw);
    const rows = await engine.store.outbox.deliveries({
      accountId: ctx.accountId,
      limit: p.limit ?? 100,
      ...(p.event !== undefined ? { eventId: p.event } : {}),
      ...(p.endpoint !== undefined ? { endpointId: p.endpoint } : {}),
    });
    return { object: 'list', url: '/opentill/v1/webhook_deliveries', has_more: false, data: rows.map(deliveryView) };
  });

  app.route('POST', '/opentill/v1/events/:id/resend', async (request, ctx, raw) => {
    const p = parseParams({ endpoint: str({ maxLength: 255 }).req() }, raw);
    return deliveryView(await webhookEndpoints.resend(ctx, id(request), p.endpoint));
  });

  app.route('POST', '/opentill/v1/webhook_endpoints/:id/roll_secret', async (request, ctx, raw) => {
    const p = parseParams({ expires_in_seconds: int({ min: 0, max: rolledSecretGraceMsMax / 1000 }) }, raw);
    return webhookEndpoints.rollSecret(ctx, id(request), (p.expires_in_seconds ?? 0) * 1000);
  });

  app.route('POST', '/opentill/v1/test/webhook_endpoints/:id/fault', async (request, ctx, raw) => {
    const p = parseParams(
      {
        mode: oneOf(['none', 'drop', 'delay'] as const).req(),
        delay_seconds: int({ min: 1, max: delaySecondsMax }),
      },
      raw,
    );
    if (p.mode === 'delay' && p.delay_seconds === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: delay_seconds.', { param: 'delay_seconds' });
    }
    const endpoint = await webhookEndpoints.setFault(
      ctx,
      id(request),
      p.mode === 'none'
        ? null
        : p.mode === 'drop'
          ? { mode: 'drop' }
          : { mode: 'delay', delayMs: p.delay_seconds! * 1000 },
    );
    return {
      object: 'opentill.webhook_fault',
      endpoint: endpoint.id,
      mode: p.mode,
      delay_seconds: p.delay_seconds ?? null,
    };
  });

  // --- live stream for `opentill listen` -----------------------------------------------------

  const open = new Set<import('node:http').ServerResponse>();
  // Streams never end by themselves: close them so the server can shut down.
  app.fastify.addHook('preClose', async () => {
    for (const res of open) res.end();
  });
  app.fastify.get('/opentill/v1/events/stream', async (request, reply) => {
    // A key, or the dashboard's session cookie (EventSource sends cookies, not headers).
    const principal = await app.authenticator.principalOf(request);
    if (principal.kind === 'publishable') {
      throw new ApiError(
        'secret_key_required',
        'This API call cannot be made with a publishable API key. Please use a secret API key.',
      );
    }
    const query = new URL(request.url, 'http://localhost').searchParams;
    const wanted = (query.get('events') ?? '*')
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean);
    const feed = await eventsFeed.open(principal.accountId, wanted);
    reply.hijack();
    const res = reply.raw;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), streamHeartbeatMs);
    heartbeat.unref();
    let closed = false;
    res.once('close', () => {
      closed = true;
      open.delete(res);
      clearInterval(heartbeat);
      feed.close();
    });
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'Request-Id': request.requestId,
    });
    // toWire: an event forwarded by `opentill listen` is the body a webhook endpoint would get.
    const send = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${toWire(data)}\n\n`);
    send('ready', {
      account: principal.accountId,
      secret: feed.secret,
      events: wanted,
      api_version: apiVersion,
      created: secondsOf(Date.now()),
    });
    // (Closed during the await: `close` already ran and `start` delivers nothing.)
    await feed.start((event) => send('event', event));
    if (!closed) open.add(res);
  });
}
