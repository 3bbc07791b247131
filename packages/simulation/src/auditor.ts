/**
 * The auditor: after a run has settled (every request answered, every webhook due delivered), it
 * reads the committed database directly and checks Stripe's promises against what the clients
 * were told. Each violation is one line naming the objects and keys involved.
 *
 * - Every acknowledged write is present (and not behind: a PaymentIntent acknowledged succeeded or
 *   canceled is still that).
 * - Every key answers its first outcome (checked on each answer by the Client, and once more for
 *   every key here), and no key that made an effect answers an error about state
 *   (`payment_intent_unexpected_state`…) — the false error of a second execution.
 * - No double effect: one object per create key, one refund per refund key, one authorization and one
 *   capture per PaymentIntent.
 * - Amounts: captured ≤ authorized, refunded ≤ captured, a charge's amount_refunded is its refunds' sum
 *   plus what a partial capture released.
 * - Every event is delivered at least once to every endpoint that existed when it was committed,
 *   with a valid Stripe signature (checked with the official `stripe` package).
 * - State machines: PaymentIntents and refunds only move along legal transitions (their events, in commit order).
 */
import Database from 'better-sqlite3';
import Stripe from 'stripe';
import { errorCode, objectOf, type Sent } from './client.js';
import type { Received } from './receivers.js';

interface Row {
  seq: number;
  id: string;
  type: string;
  data: string;
}
type Json = Record<string, unknown>;

/** PaymentIntent status → statuses it may move to. */
const paymentIntentMoves: Record<string, readonly string[]> = {
  requires_payment_method: [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'canceled',
  ],
  requires_confirmation: [
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'canceled',
  ],
  requires_action: [
    'requires_payment_method',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'canceled',
  ],
  processing: ['requires_payment_method', 'processing', 'requires_capture', 'succeeded', 'canceled'],
  requires_capture: ['requires_capture', 'succeeded', 'canceled'],
  succeeded: ['succeeded'],
  canceled: ['canceled'],
};

const refundMoves: Record<string, readonly string[]> = {
  pending: ['pending', 'succeeded', 'failed', 'canceled', 'requires_action'],
  requires_action: ['requires_action', 'pending', 'succeeded', 'failed', 'canceled'],
  succeeded: ['succeeded', 'failed'],
  failed: ['failed'],
  canceled: ['canceled'],
};

/** Errors that say "the object is not in a state for this": after an effect of the same key, a false error. */
const stateErrors = new Set([
  'payment_intent_unexpected_state',
  'intent_invalid_state',
  'charge_already_refunded',
  'charge_already_captured',
  'setup_intent_unexpected_state',
]);

/** Event types that mean "this request made a new object". */
const creations = new Set(['payment_intent.created', 'refund.created', 'setup_intent.created']);

const stripe = new Stripe('sk_test_auditor', { telemetry: false });

export interface AuditInput {
  database: Buffer;
  sent: readonly Sent[];
  accepted: readonly Received[];
}

export function audit(input: AuditInput): string[] {
  const db = new Database(input.database, { readonly: true });
  try {
    return new Audit(db, input).run();
  } finally {
    db.close();
  }
}

class Audit {
  private readonly violations: string[] = [];
  private readonly objects = new Map<string, Row & { object: Json }>();
  private readonly byType = new Map<string, Array<Row & { object: Json }>>();
  private readonly events: Array<Row & { object: Json }>;

  constructor(
    private readonly db: Database.Database,
    private readonly input: AuditInput,
  ) {
    for (const row of db.prepare<[], Row>('SELECT seq, id, type, data FROM objects ORDER BY seq').all()) {
      const entry = { ...row, object: JSON.parse(row.data) as Json };
      this.objects.set(row.id, entry);
      const list = this.byType.get(row.type) ?? [];
      list.push(entry);
      this.byType.set(row.type, list);
    }
    this.events = this.byType.get('event') ?? [];
  }

  private fail(line: string): void {
    this.violations.push(line);
  }

  private of(type: string): Array<Row & { object: Json }> {
    return this.byType.get(type) ?? [];
  }

  run(): string[] {
    this.acknowledgedWritesPresent();
    this.oneEffectPerKey();
    this.noFalseErrors();
    this.amountsConsistent();
    this.transitionsLegal();
    this.webhooksDelivered();
    return this.violations;
  }

  private acknowledgedWritesPresent(): void {
    for (const sent of this.input.sent) {
      const object = objectOf(sent.answers[0]);
      if (!object || typeof object['id'] !== 'string' || object['deleted'] === true) continue;
      const stored = this.objects.get(object['id']);
      if (!stored) {
        this.fail(
          `acknowledged write lost: ${sent.kind} ${sent.key ?? ''} answered ${String(object['id'])}, not in the store`,
        );
        continue;
      }
      if (
        object['object'] === 'payment_intent' &&
        (object['status'] === 'succeeded' || object['status'] === 'canceled') &&
        stored.object['status'] !== object['status']
      ) {
        this.fail(
          `acknowledged state lost: ${String(object['id'])} was answered ${String(object['status'])} ` +
            `(${sent.kind} ${sent.key ?? ''}), stored ${String(stored.object['status'])}`,
        );
      }
    }
  }

  private oneEffectPerKey(): void {
    const tagged = (type: string) => {
      const counts = new Map<string, string[]>();
      for (const { object } of this.of(type)) {
        const key = (object['metadata'] as Json | undefined)?.['sim_key'];
        if (typeof key === 'string') counts.set(key, [...(counts.get(key) ?? []), String(object['id'])]);
      }
      for (const [key, ids] of counts)
        if (ids.length > 1) this.fail(`double effect: key ${key} made ${ids.length} ${type}s (${ids.join(', ')})`);
    };
    for (const type of [
      'payment_intent',
      'refund',
      'setup_intent',
      'terminal.location',
      'terminal.reader',
      'webhook_endpoint',
    ])
      tagged(type);

    const created = new Map<string, string[]>();
    const succeeded = new Map<string, number>();
    for (const { object: event } of this.events) {
      const type = String(event['type']);
      const key = (event['request'] as Json | undefined)?.['idempotency_key'];
      const objectId = String(((event['data'] as Json)['object'] as Json)['id']);
      if (creations.has(type) && typeof key === 'string') {
        const name = `${key} ${type}`;
        created.set(name, [...(created.get(name) ?? []), objectId]);
      }
      if (type === 'payment_intent.succeeded') succeeded.set(objectId, (succeeded.get(objectId) ?? 0) + 1);
    }
    for (const [name, ids] of created)
      if (ids.length > 1) this.fail(`double effect: key ${name} ${ids.length} times (${ids.join(', ')})`);
    for (const [id, count] of succeeded)
      if (count > 1) this.fail(`double capture: ${id} has ${count} payment_intent.succeeded events`);
    const capturedCharges = new Map<string, string[]>();
    const authorizedCharges = new Map<string, string[]>();
    for (const { object: charge } of this.of('charge')) {
      const intent = String(charge['payment_intent']);
      if (charge['status'] === 'succeeded')
        authorizedCharges.set(intent, [...(authorizedCharges.get(intent) ?? []), String(charge['id'])]);
      if (charge['captured'] === true)
        capturedCharges.set(intent, [...(capturedCharges.get(intent) ?? []), String(charge['id'])]);
    }
    for (const [intent, ids] of capturedCharges)
      if (ids.length > 1) this.fail(`double capture: ${intent} has captured charges ${ids.join(', ')}`);
    for (const [intent, ids] of authorizedCharges) {
      if (ids.length > 1) this.fail(`double authorization: ${intent} has authorized charges ${ids.join(', ')}`);
    }
  }

  private noFalseErrors(): void {
    const keysWithEffects = new Set<string>();
    for (const { object: event } of this.events) {
      const key = (event['request'] as Json | undefined)?.['idempotency_key'];
      if (typeof key === 'string') keysWithEffects.add(key);
    }
    for (const sent of this.input.sent) {
      const answer = sent.answers[0];
      if (!sent.key || !answer || !keysWithEffects.has(sent.key)) continue;
      const code = errorCode(answer);
      if (code !== null && stateErrors.has(code)) {
        this.fail(
          `false error: key ${sent.key} (${sent.kind} ${sent.path}) committed events but answered ${answer.status} ${code}`,
        );
      }
    }
  }

  private amountsConsistent(): void {
    const refundsByCharge = new Map<string, number>();
    for (const { object: refund } of this.of('refund')) {
      if (refund['status'] === 'failed' || refund['status'] === 'canceled') continue;
      const charge = String(refund['charge']);
      refundsByCharge.set(charge, (refundsByCharge.get(charge) ?? 0) + Number(refund['amount']));
    }
    for (const { object: charge } of this.of('charge')) {
      const id = String(charge['id']);
      const amount = Number(charge['amount']);
      const captured = Number(charge['amount_captured'] ?? 0);
      const refunded = Number(charge['amount_refunded'] ?? 0);
      const refundSum = refundsByCharge.get(id) ?? 0;
      if (captured > amount) this.fail(`amounts: ${id} captured ${captured} > authorized ${amount}`);
      if (refundSum > captured) this.fail(`amounts: ${id} has refunds totalling ${refundSum} > captured ${captured}`);
      if (charge['captured'] === true) {
        // As Stripe: the uncaptured rest of a partial capture is released, and shows as refunded.
        const released = amount - captured;
        if (refunded !== refundSum + released) {
          this.fail(
            `amounts: ${id} amount_refunded ${refunded} but its refunds total ${refundSum} (+ ${released} released)`,
          );
        }
      } else if (refundSum > 0 || (refunded !== 0 && refunded !== amount)) {
        // Uncaptured: nothing to refund; a canceled or expired authorization is released whole.
        this.fail(`amounts: uncaptured ${id} amount_refunded ${refunded}, refunds total ${refundSum}`);
      }
    }
    for (const { object: intent } of this.of('payment_intent')) {
      const received = Number(intent['amount_received'] ?? 0);
      const charges = this.of('charge').filter(
        ({ object }) => object['payment_intent'] === intent['id'] && object['captured'] === true,
      );
      const captured = charges.reduce((sum, { object }) => sum + Number(object['amount_captured'] ?? 0), 0);
      if (received !== captured)
        this.fail(`amounts: ${String(intent['id'])} amount_received ${received} but its charges captured ${captured}`);
    }
  }

  private transitionsLegal(): void {
    const last = new Map<string, string>();
    for (const { object: event } of this.events) {
      const object = (event['data'] as Json)['object'] as Json;
      const moves =
        object['object'] === 'payment_intent' ? paymentIntentMoves : object['object'] === 'refund' ? refundMoves : null;
      if (!moves) continue;
      const id = String(object['id']);
      const status = String(object['status']);
      const before = last.get(id);
      if (before !== undefined && !(moves[before] ?? []).includes(status)) {
        this.fail(`illegal transition: ${id} ${before} → ${status} (${String(event['type'])} ${String(event['id'])})`);
      }
      last.set(id, status);
    }
  }

  private webhooksDelivered(): void {
    const endpoints = this.of('webhook_endpoint');
    const pending = this.db
      .prepare<[], { id: string; event_id: string; endpoint_id: string; state: string }>(
        "SELECT id, event_id, endpoint_id, state FROM webhook_deliveries WHERE state <> 'succeeded'",
      )
      .all();
    for (const row of pending)
      this.fail(`webhook not delivered: ${row.event_id} to ${row.endpoint_id} is ${row.state}`);

    // What each URL accepted, verified against the secrets of the endpoints at that URL.
    const acceptedAt = new Map<string, Set<string>>();
    for (const received of this.input.accepted) {
      const secrets = endpoints
        .filter(({ object }) => object['url'] === received.url)
        .flatMap(
          ({ object }) =>
            ((object['_internal'] as Json | undefined)?.['secrets'] as Array<{ secret: string }> | undefined) ?? [],
        )
        .map((entry) => entry.secret);
      const timestamp = Number(/t=(\d+)/.exec(received.signature)?.[1] ?? 0);
      const valid = secrets.some((secret) => {
        try {
          stripe.webhooks.constructEvent(received.body, received.signature, secret, 300, undefined, timestamp);
          return true;
        } catch {
          return false;
        }
      });
      const eventId = String((JSON.parse(received.body) as Json)['id']);
      if (!valid) this.fail(`webhook signature invalid: ${eventId} at ${received.url}`);
      else acceptedAt.set(received.url, (acceptedAt.get(received.url) ?? new Set()).add(eventId));
    }
    for (const { seq, object: endpoint } of endpoints) {
      const got = acceptedAt.get(String(endpoint['url'])) ?? new Set<string>();
      for (const event of this.events) {
        if (event.seq > seq && !got.has(event.id)) {
          this.fail(
            `webhook missing: ${event.id} (${String(event.object['type'])}) never reached ${String(endpoint['id'])}`,
          );
        }
      }
    }
  }
}
