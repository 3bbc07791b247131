/**
 * `/v1/webhook_endpoints` (Stripe) and OpenTill's webhook operability endpoints:
 * - `GET  /opentill/v1/webhook_attempts?event=evt_…|endpoint=we_…`  the delivery log (newest first);
 * - `GET  /opentill/v1/webhook_deliveries?event=…&endpoint=…`       deliveries, state and next retry;
 * - `POST /opentill/v1/events/:id/resend {endpoint}`                 sends an event to an endpoint again;
 * - `POST /opentill/v1/webhook_endpoints/:id/roll_secret {expires_in_seconds}` new secret, old one kept ≤ 24 h;
 * - `POST /opentill/v1/test/webhook_endpoints/:id/fault {mode: none|drop|delay, delay_seconds}` fault injection;
 * - `GET  /opentill/v1/events/stream?events=a,b`                     live events (Server-Sent Events) for `opentill listen`.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, limits, secondsOf, type StoredObject } from '@opentill/core';
import {
  apiVersion, isKnownEventType, rolledSecretGraceMsMax, type DeliveryAttempt, type DeliveryRow, type Filter,
} from '@opentill/engine';
import { array, bool, int, listParams, mergeMetadata, metadata, oneOf, parseParams, str, toWire } from '@opentill/protocol';
import type { App } from '../app.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

const eventTypeParam = str({ maxLength: 100 });
const versionParam = str({ maxLength: 40, pattern: /^\d{4}-\d{2}-\d{2}(\.[a-z_]+)?$/, patternMessage: 'Invalid api_version' });
const delaySecondsMax = 3 * 24 * 60 * 60;
const streamHeartbeatMs = 15_000;
/** How often a stream reads the store for events other nodes committed (its own come at once). */
const streamCatchUpMs = 1_000;
/** Pages of events one catch-up reads at most (a burst beyond waits for the next round). */
const streamCatchUpPagesMax = 10;
/** Event ids a stream remembers as sent (so an event is never sent twice). */
const streamSentIdsMax = 10_000;

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
  const { engine, webhookEndpoints } = services;
  const id = (request: { params: unknown }) => (request.params as { id: string }).id;

  app.route('POST', '/v1/webhook_endpoints', async (_request, ctx, raw) => {
    const p = parseParams({
      url: str({ maxLength: 5000 }).req(),
      enabled_events: array(eventTypeParam, { max: 500 }).req(),
      api_version: versionParam,
      connect: bool(),
      description: str({ maxLength: limits.descriptionLengthMax }).orEmpty(),
      metadata: metadata(),
    }, raw);
    // Connect endpoints belong to platforms: a connected account has no connected accounts to hear.
    if (p.connect === true && ctx.platformId) {
      throw new ApiError('invalid_request_body',
        'A connected account cannot create a Connect webhook endpoint (connect=true); create it with the platform\'s key, ' +
        'without Stripe-Account.', { param: 'connect' });
    }
    return webhookEndpoints.create(ctx, {
      url: p.url, enabledEvents: p.enabled_events, apiVersion: p.api_version ?? null,
      description: p.description ?? null, metadata: mergeMetadata({}, p.metadata), connect: p.connect === true,
    });
  });

  app.route('GET', '/v1/webhook_endpoints/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return webhookEndpoints.retrieve(ctx, id(request));
  });

  app.route('POST', '/v1/webhook_endpoints/:id', async (request, ctx, raw) => {
    const p = parseParams({
      url: str({ maxLength: 5000 }),
      enabled_events: array(eventTypeParam, { max: 500 }),
      disabled: bool(),
      description: str({ maxLength: limits.descriptionLengthMax }).orEmpty(),
      metadata: metadata(),
    }, raw);
    return webhookEndpoints.update(ctx, id(request), {
      ...(p.url !== undefined ? { url: p.url } : {}),
      ...(p.enabled_events !== undefined ? { enabledEvents: p.enabled_events } : {}),
      ...(p.disabled !== undefined ? { disabled: p.disabled } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m: Record<string, string>) => mergeMetadata(m, p.metadata) } : {}),
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

  const logQuery = { event: str({ maxLength: 255 }), endpoint: str({ maxLength: 255 }), limit: int({ min: 1, max: 100 }) };

  app.route('GET', '/opentill/v1/webhook_attempts', async (_request, ctx, raw) => {
    const p = parseParams(logQuery, raw);
    if (p.event === undefined && p.endpoint === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: event or endpoint.', { param: 'event' });
    }
    const attempts = await engine.store.outbox.attempts({
      accountId: ctx.accountId, limit: p.limit ?? 100,
      ...(p.event !== undefined ? { eventId: p.event } : {}), ...(p.endpoint !== undefined ? { endpointId: p.endpoint } : {}),
    });
    return { object: 'list', url: '/opentill/v1/webhook_attempts', has_more: false, data: attempts.map(attemptView) };
  });

  app.route('GET', '/opentill/v1/webhook_deliveries', async (_request, ctx, raw) => {
    const p = parseParams(logQuery, raw);
    const rows = await engine.store.outbox.deliveries({
      accountId: ctx.accountId, limit: p.limit ?? 100,
      ...(p.event !== undefined ? { eventId: p.event } : {}), ...(p.endpoint !== undefined ? { endpointId: p.endpoint } : {}),
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
    const p = parseParams({
      mode: oneOf(['none', 'drop', 'delay'] as const).req(),
      delay_seconds: int({ min: 1, max: delaySecondsMax }),
    }, raw);
    if (p.mode === 'delay' && p.delay_seconds === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: delay_seconds.', { param: 'delay_seconds' });
    }
    const endpoint = await webhookEndpoints.setFault(ctx, id(request),
      p.mode === 'none' ? null : p.mode === 'drop' ? { mode: 'drop' } : { mode: 'delay', delayMs: p.delay_seconds! * 1000 });
    return { object: 'opentill.webhook_fault', endpoint: endpoint.id, mode: p.mode, delay_seconds: p.delay_seconds ?? null };
  });

  // --- live stream for `opentill listen` -----------------------------------------------------

  const streams = new StreamCounts();
  const open = new Set<import('node:http').ServerResponse>();
  // Streams never end by themselves: close them so the server can shut down.
  app.fastify.addHook('preClose', async () => { for (const res of open) res.end(); });
  app.fastify.get('/opentill/v1/events/stream', async (request, reply) => {
    // A key, or the dashboard's session cookie (EventSource sends cookies, not headers).
    const principal = await app.authenticator.principalOf(request);
    if (principal.kind === 'publishable') {
      throw new ApiError('secret_key_required', 'This API call cannot be made with a publishable API key. Please use a secret API key.');
    }
    const query = new URL(request.url, 'http://localhost').searchParams;
    const wanted = (query.get('events') ?? '*').split(',').map((type) => type.trim()).filter(Boolean);
    for (const type of wanted) {
      if (!isKnownEventType(type)) {
        throw new ApiError('invalid_request_body', `Invalid events: '${type.slice(0, 100)}' is not an event type OpenTill sends.`,
          { param: 'events' });
      }
    }
    // Reserved before any await, so concurrent requests cannot all pass the check.
    const release = streams.reserve(principal.accountId);
    let secret: string;
    try {
      secret = await engine.store.setting(`cli_webhook_secret:${principal.accountId}`, `whsec_${randomBytes(24).toString('hex')}`);
    } catch (error) {
      release();
      throw error;
    }
    reply.hijack();
    const res = reply.raw;
    // Cleanups run when the connection closes, even if it closes during the awaits below.
    let closed = false;
    const cleanups: Array<() => void> = [release];
    const onClose = (cleanup: () => void) => { if (closed) cleanup(); else cleanups.push(cleanup); };
    res.once('close', () => {
      closed = true;
      open.delete(res);
      for (const cleanup of cleanups) cleanup();
    });
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', Connection: 'keep-alive',
      'Request-Id': request.requestId,
    });
    // toWire: an event forwarded by `opentill listen` is the body a webhook endpoint would get.
    const send = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${toWire(data)}\n\n`);
    send('ready', { account: principal.accountId, secret, events: wanted, api_version: apiVersion, created: secondsOf(Date.now()) });
    const wants = (type: string) => wanted.some((entry) => entry === type || (entry === '*' && !type.startsWith('opentill.')));
    // Events are sent once each: this process's commits at once, other nodes' (same database)
    // when the store is read again, every `streamCatchUpMs`.
    const sent = new Map<string, true>();
    const sendOnce = (event: StoredObject) => {
      if (sent.has(event.id)) return;
      sent.set(event.id, true);
      if (sent.size > streamSentIdsMax) sent.delete(sent.keys().next().value!);
      if (wants(String(event['type']))) send('event', event);
    };
    const stop = engine.onCommit((accountId, events) => {
      if (accountId !== principal.accountId) return;
      for (const event of events as StoredObject[]) sendOnce(event);
    });
    onClose(stop);
    // The newest event when the stream opened: the catch-up reads what is newer.
    // (A store error here leaves the cursor unset: the catch-up then reads by creation time.)
    let cursor = (await engine.store.list({ accountId: principal.accountId, type: 'event', limit: 1 })
      .catch(() => ({ data: [] as StoredObject[] }))).data[0]?.id ?? null;
    const openedAt = secondsOf(Date.now()) - 1;
    let reading = false;
    const catchUp = async () => {
      if (reading) return;
      reading = true;
      try {
        for (let page = 0; page < streamCatchUpPagesMax; page += 1) {
          const found = await engine.store.list({
            accountId: principal.accountId, type: 'event', limit: limits.listLimitMax,
            ...(cursor !== null ? { endingBefore: cursor } : { created: { gte: openedAt } }),
          });
          if (found.data.length === 0) break;
          for (const event of [...found.data].reverse()) sendOnce(event);
          cursor = found.data[0]!.id;
          if (!found.hasMore) break;
        }
      } catch {
        // The next round tries again (a store hiccup must not end the stream).
      } finally {
        reading = false;
      }
    };
    const catchUpTimer = setInterval(() => { void catchUp(); }, streamCatchUpMs);
    catchUpTimer.unref();
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), streamHeartbeatMs);
    heartbeat.unref();
    onClose(() => { clearInterval(heartbeat); clearInterval(catchUpTimer); });
    if (!closed) open.add(res);
  });
}

/**
 * Live event streams held open, in total and per account: each holds a socket, a commit listener
 * and a catch-up timer, so one account cannot take every slot of a server shared by several.
 */
class StreamCounts {
  private total = 0;
  private readonly byAccount = new Map<string, number>();

  /** Takes a slot for `accountId` or throws `rate_limit`; returns the release (safe to call twice). */
  reserve(accountId: string): () => void {
    if (this.total >= limits.eventStreamCountMax) {
      throw new ApiError('rate_limit', `Too many live event streams on this server (at most ${limits.eventStreamCountMax}).`);
    }
    const mine = this.byAccount.get(accountId) ?? 0;
    if (mine >= limits.eventStreamPerAccountCountMax) {
      throw new ApiError('rate_limit',
        `Too many live event streams for this account (at most ${limits.eventStreamPerAccountCountMax}). Close one and retry.`);
    }
    this.total += 1;
    this.byAccount.set(accountId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byAccount.get(accountId) ?? 1) - 1;
      if (left === 0) this.byAccount.delete(accountId);
      else this.byAccount.set(accountId, left);
    };
  }
}
