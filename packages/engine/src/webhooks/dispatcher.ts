/**
 * The webhook dispatcher: runs inside every server process, claims due deliveries from the outbox
 * and POSTs them. At-least-once: a delivery leaves `pending` only after a 2xx was received (or it is
 * given up / canceled); a process dying mid-send leaves a claim that expires, and the delivery is
 * sent again by whoever claims it next. Receivers deduplicate on `event.id`.
 *
 * Modes (one loop): WAITING (sleeping until woken or `pollMs` passes) → CLAIMING (lease, then
 * claim up to the free concurrency) → back to WAITING. Sends run concurrently, at most
 * `concurrencyMax` at a time, and each finished send wakes the loop. Wake-ups come from this
 * process's commits (engine.onCommit) and, on PostgreSQL, other processes' NOTIFY; polling is the
 * source of truth, so a lost wake-up only costs up to `pollMs`.
 */
import { randomBytes } from 'node:crypto';
import { toWire } from '@opentill/protocol';
import type { Engine } from '../engine.js';
import { nextAttemptMs, type RetrySchedule } from './backoff.js';
import { activeSecrets, endpointInternal, type WebhookEndpoints } from './endpoints.js';
import type { ClaimedDelivery, DeliveryAttempt, DeliveryOutcome } from './outbox.js';
import type { WebhookSender } from './sender.js';
import { signatureHeader, webhookContentType, webhookUserAgent } from './signer.js';

export interface DispatcherOptions {
  schedule: RetrySchedule;
  sender: WebhookSender;
  endpoints: WebhookEndpoints;
  /** Unique per process; default random. */
  node?: string;
  /** [0, 1) source for jitter (tests pin it). */
  random?: () => number;
  /** Poll interval when nothing wakes the loop. */
  pollMs?: number;
  /** How long a claim is held; must exceed the sender's timeout. */
  leaseMs?: number;
  concurrencyMax?: number;
  /** Called after each attempt (logging). */
  onAttempt?: (attempt: DeliveryAttempt, delivery: ClaimedDelivery) => void;
  onError?: (error: unknown) => void;
}

/** With sends in flight, the loop waits for this many free slots before claiming again. */
const claimBatchMin = 8;

export class WebhookDispatcher {
  readonly node: string;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly concurrencyMax: number;
  private readonly random: () => number;
  private running = false;
  private inflight = 0;
  private readonly sends = new Set<Promise<void>>();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loopDone: Promise<void> | null = null;
  private unsubscribe: Array<() => unknown> = [];

  constructor(
    private readonly engine: Engine,
    private readonly options: DispatcherOptions,
  ) {
    this.node = options.node ?? `node_${randomBytes(6).toString('hex')}`;
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.concurrencyMax = options.concurrencyMax ?? 32;
    this.random = options.random ?? Math.random;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Only commits that queued deliveries: waking on every commit would cost a lease and a claim
    // transaction per API write even with no endpoint configured.
    this.unsubscribe.push(
      this.engine.onCommit((_account, _events, _changed, deliveries) => {
        if (deliveries > 0) this.wake();
      }),
    );
    const stopListening = await this.engine.store.outbox.subscribe(() => this.wake());
    this.unsubscribe.push(stopListening);
    this.unsubscribe.push(this.options.endpoints.onEnqueue(() => this.wake()));
    this.loopDone = this.loop();
  }

  /** Stops claiming and waits for the sends in flight (their claims are finished normally). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.sends]);
    for (const stop of this.unsubscribe.splice(0)) await stop();
    this.options.sender.close?.();
    await this.engine.store.outbox.releaseLease(this.node).catch((error: unknown) => this.options.onError?.(error));
  }

  /** Resolves once the sends in flight now have finished (a driver that steps the dispatcher by hand). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.sends]);
  }

  wake(): void {
    this.woken = true;
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.woken = false;
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let claimedAny = false;
      try {
        claimedAny = await this.claimOnce();
      } catch (error) {
        this.options.onError?.(error);
      }
      if (!claimedAny) await this.sleep(this.pollMs);
    }
  }

  /** One CLAIMING step; true if it started any send. Public for tests. */
  async claimOnce(): Promise<boolean> {
    const free = this.concurrencyMax - this.inflight;
    // While sends are in flight, claim in batches rather than one row per finished send.
    if (free <= 0 || (this.inflight > 0 && free < Math.min(claimBatchMin, this.concurrencyMax))) return false;
    const outbox = this.engine.store.outbox;
    const now = this.engine.clock.nowMs();
    if (!(await outbox.lease(this.node, now, this.leaseMs))) return false;
    const claimed = await outbox.claim(this.node, now, this.leaseMs, free);
    for (const delivery of claimed) {
      this.inflight += 1;
      const send: Promise<void> = this.deliver(delivery)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.inflight -= 1;
          this.sends.delete(send);
          this.wake();
        });
      this.sends.add(send);
    }
    return claimed.length > 0;
  }

  private async finish(
    delivery: ClaimedDelivery,
    outcome: DeliveryOutcome,
    attempt: DeliveryAttempt | null,
  ): Promise<void> {
    await this.engine.store.outbox.finish(this.node, delivery.id, outcome, attempt);
    if (attempt) this.options.onAttempt?.(attempt, delivery);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { schedule } = this.options;
    const accountNow = () => this.engine.clock.nowMs() + delivery.clockOffsetMs;
    const event = delivery.event;
    const endpoint = delivery.endpoint;
    if (!event || !endpoint || endpoint['deleted'] === true) {
      await this.finish(delivery, { state: 'canceled' }, null);
      return;
    }
    const internal = endpointInternal(endpoint);
    const attemptBase = {
      deliveryId: delivery.id,
      accountId: delivery.accountId,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      attempt: delivery.attemptCount + 1,
      node: this.node,
    };
    const retryOrFail = (attemptsMade: number): DeliveryOutcome => {
      const next = nextAttemptMs(schedule, Math.max(attemptsMade, 1), delivery.createdMs, accountNow(), this.random);
      return next === null ? { state: 'failed' } : { state: 'pending', nextAttemptMs: next };
    };

    // Disabled: no attempt, but keep the retry slot (Stripe: re-enabled before the retry → it still comes).
    if (endpoint['status'] !== 'enabled') {
      await this.finish(delivery, retryOrFail(delivery.attemptCount), null);
      return;
    }
    const fault = internal.fault ?? null;
    if (fault?.mode === 'delay' && accountNow() < delivery.createdMs + fault.delayMs && delivery.attemptCount === 0) {
      await this.finish(delivery, { state: 'pending', nextAttemptMs: delivery.createdMs + fault.delayMs }, null);
      return;
    }
    if (fault?.mode === 'drop') {
      await this.finish(
        delivery,
        { state: 'failed' },
        {
          ...attemptBase,
          atMs: accountNow(),
          status: null,
          latencyMs: 0,
          responseExcerpt: '',
          error: 'dropped by fault injection (POST /opentill/v1/webhook_endpoints/:id/fault)',
          nextAttemptMs: null,
        },
      );
      return;
    }

    // As the API shows the event (GET /v1/events): the members Stripe's objects do not have dropped.
    const body = toWire(event);
    const timestamp = Math.floor(this.engine.clock.nowMs() / 1000);
    const atMs = accountNow();
    const response = await this.options.sender.send({
      url: String(endpoint['url']),
      body,
      headers: {
        'Content-Type': webhookContentType,
        'User-Agent': webhookUserAgent,
        'Stripe-Signature': signatureHeader(activeSecrets(endpoint, atMs), timestamp, body),
        Accept: '*/*; q=0.5, application/json',
        'Cache-Control': 'no-cache',
      },
    });
    const ok = response.status !== null && response.status >= 200 && response.status < 300;
    const outcome: DeliveryOutcome = ok ? { state: 'succeeded' } : retryOrFail(delivery.attemptCount + 1);
    await this.finish(delivery, outcome, {
      ...attemptBase,
      atMs,
      status: response.status,
      latencyMs: response.latencyMs,
      responseExcerpt: response.excerpt,
      error: ok ? null : (response.error ?? `HTTP ${response.status}`),
      nextAttemptMs: outcome.state === 'pending' ? outcome.nextAttemptMs : null,
    });
    if (outcome.state === 'failed') await this.maybeDisable(delivery);
  }

  /** An endpoint with no success since this delivery's event failed for the whole window: disabled. */
  private async maybeDisable(delivery: ClaimedDelivery): Promise<void> {
    const last = await this.engine.store.outbox.lastSuccessMs(delivery.accountId, delivery.endpointId);
    if (last !== null && last >= delivery.createdMs) return;
    await this.options.endpoints.disableForFailures(delivery.accountId, delivery.endpointId);
  }
}
