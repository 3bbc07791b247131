/**
 * The seeded workload: what a merchant, its readers, its cardholders and the world do to the
 * server, one step at a time — API calls (every POST with an Idempotency-Key), device events,
 * faults (reader offline, lost acks, processor latency, concurrent requests on one object,
 * crashes) and the passing of time. Each step draws from the run's generator only, so a seed is
 * one exact sequence.
 */
import { limits } from '@opentill/core';
import { objectOf, type Client, type Sent } from './client.js';
import type { Random } from './random.js';
import type { World } from './world.js';

/** Card numbers a cardholder presents: mostly approvals, some of Stripe's test declines. */
const cards = [
  '4242424242424242',
  '4242424242424242',
  '4242424242424242',
  '5555555555554444',
  '4000056655665556',
  '378282246310005',
  '4000000000000002',
  '4000000000009995',
  '4000000000000119',
  '4000000000005126',
] as const;

/** Amounts: mostly approved endings, some of Stripe's test-amount declines (…01, …05, …55…). */
function drawAmount(random: Random): number {
  const base = random.int(1, 60) * 100;
  return base + random.pick([0, 0, 0, 0, 0, 50, 1, 5, 55, 65, 75]);
}

export interface Known {
  intents: string[];
  /** The last status the merchant was told per PaymentIntent (it aims its next calls with it). */
  intentStatus: Map<string, string>;
  /** Readers last seen with an action in progress. */
  waitingReaders: Set<string>;
  locations: string[];
  readers: string[];
  setupIntents: string[];
  endpoints: number;
}

type Step =
  | 'create_payment_intent'
  | 'present_card'
  | 'capture'
  | 'cancel'
  | 'update'
  | 'refund'
  | 'create_location'
  | 'create_reader'
  | 'process_payment_intent'
  | 'present_payment_method'
  | 'cancel_action'
  | 'refund_payment'
  | 'reader_fault'
  | 'create_setup_intent'
  | 'process_setup_intent'
  | 'cancel_setup_intent'
  | 'create_webhook_endpoint'
  | 'retry_answered'
  | 'concurrent'
  | 'advance_clock'
  | 'dispatch_webhooks'
  | 'crash';

const weights: Record<Step, number> = {
  create_payment_intent: 14,
  present_card: 10,
  capture: 8,
  cancel: 3,
  update: 3,
  refund: 8,
  create_location: 1,
  create_reader: 2,
  process_payment_intent: 7,
  present_payment_method: 7,
  cancel_action: 2,
  refund_payment: 2,
  reader_fault: 3,
  create_setup_intent: 2,
  process_setup_intent: 2,
  cancel_setup_intent: 1,
  create_webhook_endpoint: 2,
  retry_answered: 4,
  concurrent: 5,
  advance_clock: 8,
  dispatch_webhooks: 5,
  crash: 5,
};

export class Workload {
  readonly known: Known = {
    intents: [],
    intentStatus: new Map(),
    waitingReaders: new Set(),
    locations: [],
    readers: [],
    setupIntents: [],
    endpoints: 0,
  };
  crashes = 0;

  constructor(
    private readonly world: World,
    private readonly client: Client,
    private readonly random: Random,
    private readonly note: (line: string) => void,
  ) {}

  /** Learns ids from an answer (the merchant only knows what it was told). */
  private learn(sent: Sent, answer: Awaited<ReturnType<Client['send']>>): void {
    const object = objectOf(answer ?? undefined);
    if (!object) return;
    const id = String(object['id']);
    if (object['object'] === 'payment_intent') this.known.intentStatus.set(id, String(object['status']));
    if (object['object'] === 'terminal.reader') {
      const action = object['action'] as { status?: string } | null;
      if (action?.status === 'in_progress') this.known.waitingReaders.add(id);
      else this.known.waitingReaders.delete(id);
    }
    const lists: Record<string, string[]> = {
      payment_intent: this.known.intents,
      'terminal.location': this.known.locations,
      'terminal.reader': this.known.readers,
      setup_intent: this.known.setupIntents,
    };
    const list = lists[String(object['object'])];
    if (list && !list.includes(id)) list.push(id);
  }

  async send(sent: Sent): Promise<void> {
    this.learn(sent, await this.client.send(sent));
  }

  /**
   * Mostly a PaymentIntent the merchant believes is in one of `statuses` (a call that can
   * succeed); sometimes any, to see the refusals too.
   */
  private pickIntent(...statuses: string[]): string {
    const fitting = this.known.intents.filter((id) => statuses.includes(this.known.intentStatus.get(id) ?? ''));
    return this.random.pick(fitting.length > 0 && this.random.chance(0.85) ? fitting : this.known.intents);
  }

  /** Whether the merchant knows a PaymentIntent in one of `statuses` (else the step mostly waits). */
  private has(...statuses: string[]): boolean {
    return [...this.known.intentStatus.values()].some((status) => statuses.includes(status)) || this.random.chance(0.2);
  }

  /** Builds the request of a step that calls the API; null when nothing fits yet. */
  private request(step: Step): Sent | null {
    const { random, client, known } = this;
    const intent = (...statuses: string[]) => this.pickIntent(...statuses);
    const reader = () => {
      const waiting = known.readers.filter((id) => known.waitingReaders.has(id));
      return random.pick(waiting.length > 0 && random.chance(0.8) ? waiting : known.readers);
    };
    switch (step) {
      case 'create_payment_intent':
        return client.request(
          'create_payment_intent',
          'POST',
          '/v1/payment_intents',
          {
            amount: drawAmount(random),
            currency: 'usd',
            payment_method_types: ['card_present'],
            capture_method: random.pick(['manual', 'manual', 'automatic']),
          },
          { tagged: true },
        );
      case 'present_card':
        if (known.intents.length === 0 || !this.has('requires_payment_method')) return null;
        return client.request(
          'present_card',
          'POST',
          `/opentill/v1/test/payment_intents/${intent('requires_payment_method')}/present_card`,
          { number: random.pick(cards) },
        );
      case 'capture': {
        if (known.intents.length === 0 || !this.has('requires_capture')) return null;
        const partial = random.chance(0.3) ? { amount_to_capture: random.int(1, 20) * 50 } : {};
        return client.request('capture', 'POST', `/v1/payment_intents/${intent('requires_capture')}/capture`, partial);
      }
      case 'cancel':
        if (known.intents.length === 0) return null;
        return client.request(
          'cancel',
          'POST',
          `/v1/payment_intents/${intent('requires_payment_method', 'requires_capture')}/cancel`,
          {},
        );
      case 'update':
        if (known.intents.length === 0) return null;
        return client.request(
          'update',
          'POST',
          `/v1/payment_intents/${intent('requires_payment_method')}`,
          random.chance(0.5) ? { amount: drawAmount(random) } : { description: `order ${random.int(1, 999)}` },
        );
      case 'refund': {
        if (known.intents.length === 0 || !this.has('succeeded')) return null;
        const partial = random.chance(0.5) ? { amount: random.int(1, 30) * 50 } : {};
        return client.request(
          'refund',
          'POST',
          '/v1/refunds',
          { payment_intent: intent('succeeded'), ...partial },
          { tagged: true },
        );
      }
      case 'create_location':
        return client.request(
          'create_location',
          'POST',
          '/v1/terminal/locations',
          {
            display_name: `Shop ${random.int(1, 99)}`,
            address: { line1: '1 Main St', city: 'Springfield', country: 'US', postal_code: '94110', state: 'CA' },
          },
          { tagged: true },
        );
      case 'create_reader':
        if (known.locations.length === 0) return null;
        return client.request(
          'create_reader',
          'POST',
          '/v1/terminal/readers',
          {
            registration_code: random.pick(['simulated-wpe', 'simulated-s700']),
            location: random.pick(known.locations),
          },
          { tagged: true },
        );
      case 'process_payment_intent':
        if (known.readers.length === 0 || known.intents.length === 0) return null;
        return client.request(
          'process_payment_intent',
          'POST',
          `/v1/terminal/readers/${random.pick(known.readers)}/process_payment_intent`,
          { payment_intent: intent('requires_payment_method') },
        );
      case 'present_payment_method':
        if (known.readers.length === 0) return null;
        return client.request(
          'present_payment_method',
          'POST',
          `/v1/test_helpers/terminal/readers/${reader()}/present_payment_method`,
          {
            card_present: { number: random.pick(cards) },
            ...(random.chance(0.2) ? { amount_tip: random.int(1, 9) * 100 } : {}),
          },
        );
      case 'refund_payment': {
        if (known.readers.length === 0 || known.intents.length === 0 || !this.has('succeeded')) return null;
        const partial = random.chance(0.5) ? { amount: random.int(1, 30) * 50 } : {};
        return client.request(
          'refund_payment',
          'POST',
          `/v1/terminal/readers/${random.pick(known.readers)}/refund_payment`,
          { payment_intent: intent('succeeded'), ...partial },
          { tagged: true },
        );
      }
      case 'cancel_action':
        if (known.readers.length === 0) return null;
        return client.request('cancel_action', 'POST', `/v1/terminal/readers/${reader()}/cancel_action`, {});
      case 'reader_fault': {
        if (known.readers.length === 0) return null;
        const base = `/opentill/v1/test/terminal/readers/${random.pick(known.readers)}`;
        const fault = random.pick([
          'offline',
          'online',
          'next_command_timeout',
          'authorization_latency',
          'reset',
          'press_cancel',
          'next_authorization_connection_error',
          'drop_next_final_event',
        ] as const);
        const params: Record<string, Record<string, unknown>> = {
          offline: { silent_for_seconds: random.pick([0, 121]) },
          next_command_timeout: { delivered: random.chance(0.5) },
          next_authorization_connection_error: { charged: random.chance(0.5) },
          authorization_latency: { seconds: random.int(1, 30) },
        };
        return client.request(`fault_${fault}`, 'POST', `${base}/${fault}`, params[fault] ?? {});
      }
      case 'create_setup_intent':
        return client.request(
          'create_setup_intent',
          'POST',
          '/v1/setup_intents',
          { payment_method_types: ['card_present'] },
          { tagged: true },
        );
      case 'process_setup_intent':
        if (known.readers.length === 0 || known.setupIntents.length === 0) return null;
        return client.request(
          'process_setup_intent',
          'POST',
          `/v1/terminal/readers/${random.pick(known.readers)}/process_setup_intent`,
          {
            setup_intent: random.pick(known.setupIntents),
            allow_redisplay: random.pick(['always', 'limited', 'unspecified']),
          },
        );
      case 'cancel_setup_intent':
        if (known.setupIntents.length === 0) return null;
        return client.request(
          'cancel_setup_intent',
          'POST',
          `/v1/setup_intents/${random.pick(known.setupIntents)}/cancel`,
          {},
        );
      case 'create_webhook_endpoint':
        if (known.endpoints >= 3) return null;
        known.endpoints += 1;
        return client.request(
          'create_webhook_endpoint',
          'POST',
          '/v1/webhook_endpoints',
          { url: `https://hooks.example.com/${known.endpoints}`, enabled_events: ['*'] },
          { tagged: true },
        );
      default:
        return null;
    }
  }

  /** The run's first requests: a shop with a reader and webhook endpoints, some of the time. */
  async setUp(): Promise<void> {
    const steps: Step[] = [];
    if (this.random.chance(0.7)) steps.push('create_webhook_endpoint');
    if (this.random.chance(0.3)) steps.push('create_webhook_endpoint');
    if (this.random.chance(0.6)) steps.push('create_location', 'create_reader');
    for (const step of steps) {
      const sent = this.request(step);
      if (sent) await this.send(sent);
    }
  }

  /** One step of the run. */
  async step(): Promise<void> {
    if (this.world.process.dead) await this.recover();
    const step = this.random.weighted(weights);
    this.note(`step: ${step} (process ${this.world.process.number})`);
    switch (step) {
      case 'advance_clock':
        return this.advance(this.random.weighted({ small: 10, lock: 3, day: 1 }));
      case 'dispatch_webhooks':
        await this.dispatch();
        return;
      case 'crash':
        return this.armCrash();
      case 'retry_answered':
        return this.retryAnswered();
      case 'concurrent':
        return this.concurrent();
      default: {
        const sent = this.request(step);
        if (sent) await this.send(sent);
      }
    }
  }

  /** Time passes: a few seconds, past the idempotency lock, or a day (authorizations expire). */
  async advance(kind: 'small' | 'lock' | 'day'): Promise<void> {
    const ms =
      kind === 'small'
        ? this.random.int(100, 5_000)
        : kind === 'lock'
          ? limits.idempotencyLockMs + this.random.int(1_000, 10_000)
          : this.random.int(20, 30) * 3_600_000;
    this.world.clock.advance(ms);
    this.note(`clock +${ms} ms`);
    await this.world.process.unlessDead(this.world.process.services.scheduler.tick());
  }

  /** One round of the webhook dispatcher, as its loop would run it. */
  async dispatch(): Promise<boolean> {
    const process = this.world.process;
    const round = async () => {
      const claimed = await process.dispatcher.claimOnce();
      await process.dispatcher.settled();
      return claimed;
    };
    const outcome = await process.unlessDead(round());
    return !outcome.lost && outcome.value;
  }

  /** A crash at the next store write(s), or right after the next commit (before its answer is stored). */
  private armCrash(): void {
    if (this.world.crashPlan) return;
    this.crashes += 1;
    this.world.crashPlan = this.random.chance(0.5)
      ? { kind: 'after_commit', commitsLeft: this.random.int(1, 2) }
      : { kind: 'before_write', writesLeft: this.random.int(1, 6) };
    this.note(`crash armed: ${JSON.stringify(this.world.crashPlan)}`);
  }

  /** The same key again, for a request that was answered: Stripe must replay the first answer. */
  private async retryAnswered(): Promise<void> {
    const answered = this.client.sent.filter(
      (sent) =>
        sent.key &&
        sent.answers.length > 0 &&
        this.world.clock.nowMs() - sent.firstAtMs < limits.idempotencyRetentionMs / 2,
    );
    if (answered.length === 0) return;
    await this.send(this.random.pick(answered));
  }

  /** Two or three requests at once, racing on one object (commit conflicts, one key in flight twice). */
  private async concurrent(): Promise<void> {
    if (this.known.intents.length === 0) return;
    const intent = this.pickIntent('requires_capture', 'succeeded');
    const pick = (): Sent => {
      switch (this.random.int(0, 4)) {
        case 0:
          return this.client.request('capture', 'POST', `/v1/payment_intents/${intent}/capture`, {});
        case 1:
          return this.client.request('cancel', 'POST', `/v1/payment_intents/${intent}/cancel`, {});
        case 2:
          return this.client.request(
            'refund',
            'POST',
            '/v1/refunds',
            { payment_intent: intent, amount: 100 },
            { tagged: true },
          );
        case 3:
          return this.client.request(
            'present_card',
            'POST',
            `/opentill/v1/test/payment_intents/${intent}/present_card`,
            { number: '4242424242424242' },
          );
        default:
          return this.client.request('update', 'POST', `/v1/payment_intents/${intent}`, { description: 'raced' });
      }
    };
    const batch = Array.from({ length: this.random.int(2, 3) }, pick);
    // Sometimes the same request twice under one key, as a client retrying too early would.
    if (this.random.chance(0.3)) batch.push(batch[0]!);
    this.note(`concurrent: ${batch.map((sent) => sent.kind).join(', ')}`);
    await Promise.all(batch.map((sent) => this.send(sent)));
  }

  /**
   * After a crash: a new process on the committed database; the clients retry every unanswered
   * request with its key once the in-flight lock has expired.
   */
  async recover(): Promise<void> {
    await this.world.restart();
    this.world.clock.advance(limits.idempotencyLockMs + 1_000);
    for (const sent of [...this.client.unanswered]) {
      if (this.world.process.dead) return;
      await this.send(sent);
    }
  }

  /**
   * Ends the run: no more faults; every request answered; every key sent once more (each must
   * answer its first outcome: the Client records a difference); every webhook delivered.
   */
  async settle(): Promise<void> {
    this.world.crashPlan = null;
    for (let round = 0; round < 10 && (this.world.process.dead || this.client.unanswered.size > 0); round += 1) {
      if (this.world.process.dead) await this.recover();
      else {
        this.world.clock.advance(limits.idempotencyLockMs + 1_000);
        for (const sent of [...this.client.unanswered]) await this.send(sent);
      }
    }
    const nowMs = this.world.clock.nowMs();
    for (const sent of [...this.client.sent]) {
      if (sent.key && sent.answers.length > 0 && nowMs - sent.firstAtMs < limits.idempotencyRetentionMs - 3_600_000)
        await this.send(sent);
    }
    this.world.receivers.failureRate = 0;
    // Past every backoff (capped at 10 s) and every dead node's lease (30 s): quiet rounds mean done.
    let quiet = 0;
    for (let round = 0; round < 200 && quiet < 4; round += 1) {
      this.world.clock.advance(11_000);
      await this.world.process.unlessDead(this.world.process.services.scheduler.tick());
      quiet = (await this.dispatch()) ? 0 : quiet + 1;
    }
  }
}
