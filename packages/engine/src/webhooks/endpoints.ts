/**
 * Webhook endpoints (`we_…`): `webhook_endpoint` documents in the objects table. The signing
 * secrets live under `_internal.secrets` (never rendered by the API; only the create and roll
 * responses carry `secret`). A deleted endpoint stays as a tombstone (`deleted: true`), which
 * lists skip and `load` treats as missing.
 */
import { applicationIdOf } from '../connect.js';
import { ApiError, assert, limits, secondsOf, type Metadata, type StoredObject } from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import type { StoredRecord } from '../store.js';
import { isKnownEventType } from './event-types.js';
import type { DeliveryRow } from './outbox.js';
import { isPrivateHost } from './sender.js';
import { kinds } from '../kinds.js';

/** Stripe documents 16 endpoints per account (secondary source); OpenTill enforces it. */
export const webhookEndpointCountMax = 16;

/** Which endpoints an account has (the serialization point of the 16-endpoint limit). */
interface EndpointSet extends StoredObject {
  object: 'opentill.webhook_endpoint_set';
  endpoints: string[];
}
/** A rolled secret stays valid at most this long (Stripe: up to 24 hours). */
export const rolledSecretGraceMsMax = 24 * 60 * 60 * 1000;
export const webhookUrlLengthMax = 2048;

export interface EndpointSecret {
  secret: string;
  /** Account clock ms after which it is no longer used; null for the current secret. */
  expiresMs: number | null;
}

/** Test-mode fault injection on an endpoint. */
export type EndpointFault =
  | { mode: 'drop' }
  /** Each delivery is first attempted `delayMs` after its event. */
  | { mode: 'delay'; delayMs: number };

export interface EndpointInternal {
  secrets: EndpointSecret[];
  fault?: EndpointFault | null;
  [key: string]: unknown;
}

export interface WebhookEndpointOptions {
  /** Whether loopback/private URLs are accepted (default true: test mode, local development). */
  allowPrivate: boolean;
}

export interface CreateEndpoint {
  url: string;
  enabledEvents: string[];
  apiVersion: string | null;
  description: string | null;
  metadata: Metadata;
  /**
   * Connect: the endpoint hears the account's connected accounts' events (each with `account`),
   * not the account's own. docs/connect.md.
   */
  connect?: boolean;
}

export interface UpdateEndpoint {
  url?: string;
  enabledEvents?: string[];
  description?: string | null;
  metadataPatch?: (current: Metadata) => Metadata;
  disabled?: boolean;
}

export function endpointInternal(endpoint: StoredObject): EndpointInternal {
  return (endpoint._internal ?? { secrets: [] }) as EndpointInternal;
}

/** The secrets to sign with at `nowMs` (account clock): the current one and unexpired rolled ones. */
export function activeSecrets(endpoint: StoredObject, nowMs: number): string[] {
  return endpointInternal(endpoint)
    .secrets.filter((entry) => entry.expiresMs === null || entry.expiresMs > nowMs)
    .map((entry) => entry.secret);
}

export class WebhookEndpoints {
  options: WebhookEndpointOptions = { allowPrivate: true };

  private readonly wakeListeners = new Set<() => void>();

  /** Per account, the tail of its queue of endpoint creates (see oneAtATime). */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly engine: Engine) {}

  /** The dispatcher listens here for deliveries written outside a commit (resend). */
  onEnqueue(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  /** Sends `eventId` to `endpointId` again, now (a new delivery with its own retries). */
  async resend(ctx: RequestContext, eventId: string, endpointId: string): Promise<DeliveryRow> {
    const event = await this.engine.load(ctx, kinds.event, eventId);
    const endpoint = await this.load(ctx, endpointId);
    if (endpoint.object['status'] !== 'enabled') {
      throw new ApiError(
        'invalid_request_body',
        `The webhook endpoint ${endpointId} is disabled; enable it before resending.`,
        { param: 'endpoint' },
      );
    }
    const [id] = await this.engine.store.outbox.enqueue([
      {
        accountId: ctx.accountId,
        endpointId,
        eventId,
        eventType: String(event.object['type']),
        nextAttemptMs: ctx.nowMs,
      },
    ]);
    for (const listener of this.wakeListeners) listener();
    const rows = await this.engine.store.outbox.deliveries({
      accountId: ctx.accountId,
      eventId,
      endpointId,
      limit: 20,
    });
    const row = rows.find((candidate) => candidate.id === id);
    assert(row !== undefined, 'the enqueued delivery is listed');
    return row;
  }

  configure(options: Partial<WebhookEndpointOptions>): void {
    this.options = { ...this.options, ...options };
  }

  private newSecret(): string {
    return `whsec_${this.engine.ids.secret(32)}`;
  }

  checkUrl(url: string, param = 'url'): void {
    let parsed: URL | null = null;
    try {
      parsed = url.length <= webhookUrlLengthMax ? new URL(url) : null;
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
      throw new ApiError(
        'url_invalid',
        `Invalid URL: ${url.slice(0, 200)}. URLs must be absolute http:// or https:// URLs.`,
        { param },
      );
    }
    if (parsed.username || parsed.password) {
      throw new ApiError('url_invalid', 'Invalid URL: credentials in webhook URLs are not supported.', { param });
    }
    if (!this.options.allowPrivate && isPrivateHost(parsed.hostname)) {
      throw new ApiError(
        'url_invalid',
        `Invalid URL: ${parsed.hostname} is a local or private address, which this server is configured to refuse ` +
          '(opentill serve --webhook-allow-private).',
        { param },
      );
    }
  }

  checkEvents(events: string[], param = 'enabled_events'): string[] {
    if (events.length === 0) throw new ApiError('parameter_missing', `Missing required param: ${param}.`, { param });
    events.forEach((type, index) => {
      if (!isKnownEventType(type)) {
        throw new ApiError(
          'invalid_request_body',
          `Invalid ${param}[${index}]: '${type.slice(0, 100)}' is not an event type OpenTill sends. Use '*' or a type such as ` +
            "'payment_intent.succeeded' or 'terminal.reader.action_succeeded'.",
          { param: `${param}[${index}]` },
        );
      }
    });
    return [...new Set(events)];
  }

  /**
   * The account's live endpoints, kept in one document that every create and delete commits with
   * its endpoint (version-checked): the limit holds under concurrent creates, on every node. An
   * account from before this document gets it on its first create or delete.
   */
  private async endpointSet(
    ctx: RequestContext,
  ): Promise<{ set: EndpointSet; record: StoredRecord<EndpointSet> | null }> {
    const id = `weset_${ctx.accountId.replace(/^acct_/, '')}`;
    const record = await this.engine.store.get<EndpointSet>(ctx.accountId, id);
    if (record) return { set: record.object, record };
    const page = await this.engine.store.list({
      accountId: ctx.accountId,
      type: 'webhook_endpoint',
      limit: limits.listLimitMax,
      filters: [{ field: 'deleted', op: 'eq', value: null }],
    });
    return {
      set: {
        id,
        object: 'opentill.webhook_endpoint_set',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        endpoints: page.data.map((endpoint) => endpoint.id),
      },
      record: null,
    };
  }

  /** Returns the endpoint with its `secret` (the only time it is shown, with rolling). */
  async create(ctx: RequestContext, command: CreateEndpoint): Promise<StoredObject> {
    this.checkUrl(command.url);
    const enabledEvents = this.checkEvents(command.enabledEvents);
    const secret = this.newSecret();
    const endpoint: StoredObject = {
      id: this.engine.ids.next('we'),
      object: 'webhook_endpoint',
      api_version: command.apiVersion,
      application: command.connect ? applicationIdOf(ctx.accountId) : null,
      created: secondsOf(ctx.nowMs),
      description: command.description,
      enabled_events: enabledEvents,
      livemode: false,
      metadata: command.metadata,
      status: 'enabled',
      url: command.url,
      _internal: {
        secrets: [{ secret, expiresMs: null }],
        fault: null,
        ...(command.connect ? { connect: true } : {}),
      } satisfies EndpointInternal,
    };
    await this.oneAtATime(ctx.accountId, () =>
      this.engine.retrying(async () => {
        const { set, record } = await this.endpointSet(ctx);
        if (set.endpoints.length >= webhookEndpointCountMax) {
          throw new ApiError(
            'invalid_request_body',
            `You have reached the maximum of ${webhookEndpointCountMax} webhook endpoints on this account.`,
            { param: 'url' },
          );
        }
        await this.engine.commit(
          ctx,
          [endpoint, { ...set, endpoints: [...set.endpoints, endpoint.id] }],
          [],
          versionsOf(record),
          new Map(),
          { answer: withSecret(endpoint, secret) },
        );
      }),
    );
    return withSecret(endpoint, secret);
  }

  /**
   * Runs one account's endpoint creates one after the other in this process: they all commit the
   * same document, and a burst of them would otherwise exhaust the conflict retries (429). The
   * version check still orders them across nodes. (A promise chain is all this needs, no library.)
   */
  private oneAtATime<T>(accountId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(accountId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(accountId, tail);
    void tail.then(() => {
      if (this.queues.get(accountId) === tail) this.queues.delete(accountId);
    });
    return next;
  }

  async load(ctx: RequestContext, id: string): Promise<StoredRecord> {
    return this.engine.load(ctx, kinds.webhookEndpoint, id);
  }

  async retrieve(ctx: RequestContext, id: string): Promise<StoredObject> {
    return (await this.load(ctx, id)).object;
  }

  async update(ctx: RequestContext, id: string, update: UpdateEndpoint): Promise<StoredObject> {
    if (update.url !== undefined) this.checkUrl(update.url);
    const enabledEvents = update.enabledEvents !== undefined ? this.checkEvents(update.enabledEvents) : undefined;
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const next: StoredObject = {
        ...record.object,
        ...(update.url !== undefined ? { url: update.url } : {}),
        ...(enabledEvents !== undefined ? { enabled_events: enabledEvents } : {}),
        ...(update.description !== undefined ? { description: update.description } : {}),
        ...(update.metadataPatch ? { metadata: update.metadataPatch(record.object['metadata'] as Metadata) } : {}),
        ...(update.disabled !== undefined ? { status: update.disabled ? 'disabled' : 'enabled' } : {}),
      };
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return next;
    });
  }

  /** Deletes the endpoint; its pending deliveries are canceled (Stripe: no more retries). */
  async delete(ctx: RequestContext, id: string): Promise<StoredObject> {
    await this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const { set, record: setRecord } = await this.endpointSet(ctx);
      await this.engine.commit(
        ctx,
        [
          { ...record.object, status: 'disabled', deleted: true },
          { ...set, endpoints: set.endpoints.filter((endpoint) => endpoint !== id) },
        ],
        [],
        versionsOf(record, setRecord),
      );
    });
    await this.engine.store.outbox.cancelEndpoint(ctx.accountId, id);
    return { id, object: 'webhook_endpoint', deleted: true } as unknown as StoredObject;
  }

  /**
   * A new secret; the previous ones stay valid for `graceMs` (0: at once), during which every
   * delivery carries one `v1` per valid secret.
   */
  async rollSecret(ctx: RequestContext, id: string, graceMs: number): Promise<StoredObject> {
    const secret = this.newSecret();
    const next = await this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const internal = endpointInternal(record.object);
      const kept = internal.secrets
        .filter((entry) => entry.expiresMs === null || entry.expiresMs > ctx.nowMs)
        .map((entry) => ({
          secret: entry.secret,
          expiresMs: Math.min(entry.expiresMs ?? Infinity, ctx.nowMs + graceMs),
        }))
        .filter((entry) => entry.expiresMs > ctx.nowMs);
      const updated: StoredObject = {
        ...record.object,
        _internal: { ...internal, secrets: [{ secret, expiresMs: null }, ...kept] } satisfies EndpointInternal,
      };
      await this.engine.commit(ctx, [updated], [], versionsOf(record), new Map(), {
        answer: withSecret(updated, secret),
      });
      return updated;
    });
    return withSecret(next, secret);
  }

  async setFault(ctx: RequestContext, id: string, fault: EndpointFault | null): Promise<StoredObject> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const updated: StoredObject = { ...record.object, _internal: { ...endpointInternal(record.object), fault } };
      await this.engine.commit(ctx, [updated], [], versionsOf(record));
      return updated;
    });
  }

  /**
   * Disables an endpoint that failed for a whole retry window, recording it with an
   * `opentill.webhook_endpoint.disabled` event. No-op if it is already disabled or gone.
   */
  async disableForFailures(accountId: string, id: string): Promise<boolean> {
    const ctx = await this.engine.automaticContext(accountId);
    return this.engine.retrying(async () => {
      const record = await this.engine.store.get(accountId, id);
      if (!record || record.object['deleted'] === true || record.object['status'] !== 'enabled') return false;
      const next = { ...record.object, status: 'disabled' };
      await this.engine.commit(
        ctx,
        [next],
        [
          {
            type: 'opentill.webhook_endpoint.disabled',
            object: next,
            previousAttributes: { status: 'enabled' },
          },
        ],
        versionsOf(record),
      );
      return true;
    });
  }
}

function withSecret(endpoint: StoredObject, secret: string): StoredObject {
  const { _internal: internal, ...rest } = endpoint;
  void internal;
  return { ...rest, secret } as StoredObject;
}
