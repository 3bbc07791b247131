/**
 * A reader's authorization, decided in one pure function: what the processor answered becomes the
 * PaymentIntent's outcome (charge, events, capture deadline) AND the reader's action ending, so the
 * engine loads both, asks the processor, and commits the one decision in one transaction.
 *
 *   PaymentIntent + reader (loaded) ─┐
 *   processor's answer ──────────────┼─→ decideReaderAuthorization ─→ one Transition (both sides)
 *   a PIN still to come? fault? ─────┘
 */
import type { ApiError } from '../errors.js';
import type { PaymentIntent } from '../payment-intent.js';
import { applyAuthorization, type ApplyAuthorization } from '../payment-intent.js';
import type { Transition } from '../domain.js';
import {
  actionFailures,
  authorizationRecoveryMs,
  finishAction,
  type ActionOutcome,
  type Reader,
  type ReaderChange,
  type ReaderInternal,
} from './reader.js';
import { isPinDeclineCode } from './action-outcome.js';

/** A soft decline asking for the cardholder's PIN (the codes: action-outcome.ts). */
export function isPinDecline(error: ApiError | null): boolean {
  return error !== null && isPinDeclineCode(error.body['decline_code']);
}

/** The action's outcome when the reader lost its connection while authorizing (also the injected fault's). */
export const connectionErrorOutcome: ActionOutcome = { status: 'failed', ...actionFailures.connectionError };

/** What the reader reports for an authorization outcome (the API error, minus the objects it carries). */
export function authorizationOutcome(error: ApiError | null): ActionOutcome {
  if (error === null) return { status: 'succeeded' };
  const { payment_intent: _pi, payment_method: _pm, ...apiError } = error.body;
  return {
    status: 'failed',
    code: error.code,
    message: error.message,
    ...(error.status === 402 ? {} : { apiError: apiError as Record<string, unknown> }),
  };
}

/** The authorization a runner claimed: the reader's side ends only while the reader still runs this one. */
export type ClaimedAuthorization = NonNullable<ReaderInternal['authorizing']>;

/**
 * The reader's side of an authorization's outcome: the action finishes (and a consumed
 * `nextAuthorization` fault is cleared). Null when the reader no longer runs the claimed
 * authorization (given up by the recovery, or replaced meanwhile): then nothing changes on it.
 */
export function endAuthorization(
  reader: Reader,
  claimed: ClaimedAuthorization,
  outcome: ActionOutcome,
  nowMs: number,
): ReaderChange | null {
  const current = reader._internal.authorizing;
  if (
    reader._internal.stage !== 'authorizing' ||
    current?.claimedAtMs !== claimed.claimedAtMs ||
    current?.paymentMethod !== claimed.paymentMethod
  ) {
    return null;
  }
  const faults = reader._internal.faults;
  const cleared: Reader = faults.nextAuthorization
    ? { ...reader, _internal: { ...reader._internal, faults: { ...faults, nextAuthorization: null } } }
    : reader;
  return finishAction(cleared, outcome, nowMs);
}

export interface ReaderAuthorization {
  paymentIntent: PaymentIntent;
  /** The reader as loaded with the PaymentIntent. */
  reader: Reader;
  claimed: ClaimedAuthorization;
  /** The processor's answer and the ids it needs (what `applyAuthorization` takes). */
  authorization: ApplyAuthorization;
  /**
   * The reader can still ask the cardholder for a PIN: a PIN decline then commits on its own (the
   * PaymentIntent's first charge) and the reader's action goes on to a second authorization.
   */
  pinCanFollow: boolean;
}

export interface ReaderAuthorizationDecision extends Transition {
  paymentIntent: PaymentIntent;
  /** The card error the PaymentIntent recorded (the reader reports it; it is never the request's answer). */
  decline: ApiError | null;
  /** What the reader reports: the decline's outcome, or `connection_error` under the injected fault. */
  outcome: ActionOutcome;
  /** The reader after its action ended; null when it did not end (PIN to come, or no longer this authorization). */
  reader: Reader | null;
  /** Authorize again with the PIN the reader collects. */
  retryWithPin: boolean;
}

/** Decides both sides of a reader's authorization: one Transition for the PaymentIntent and the reader. */
export function decideReaderAuthorization(input: ReaderAuthorization, nowMs: number): ReaderAuthorizationDecision {
  const applied = applyAuthorization(input.paymentIntent, input.authorization, nowMs);
  const retryWithPin = input.pinCanFollow && isPinDecline(applied.decline);
  // A connection lost after the charge went through: the reader reports the error, the charge stands.
  const outcome = input.reader._internal.faults.nextAuthorization?.connectionError
    ? connectionErrorOutcome
    : authorizationOutcome(applied.decline);
  const ended = retryWithPin ? null : endAuthorization(input.reader, input.claimed, outcome, nowMs);
  return {
    paymentIntent: applied.paymentIntent,
    decline: applied.decline,
    outcome,
    reader: ended?.reader ?? null,
    retryWithPin,
    changed: [...applied.changed, ...(ended ? [ended.reader] : [])],
    events: [...applied.events, ...(ended?.events ?? [])],
    deadlines: new Map([
      ...(applied.deadlines ?? []),
      ...(ended ? [[ended.reader.id, readerDeadline(ended.reader)] as const] : []),
    ]),
  };
}

/** When the scheduler must look at a reader again (authorization latency or recovery, held card, auto-present), or null. */
export function readerDeadline(reader: Reader): number | null {
  const internal = reader._internal;
  const candidates: number[] = [];
  if (internal.stage === 'authorizing' && internal.authorizing) {
    const claimedAt = internal.authorizing.claimedAtMs;
    candidates.push(claimedAt ? claimedAt + authorizationRecoveryMs : internal.authorizing.dueMs);
  }
  if (internal.held) candidates.push(internal.held.expiresAtMs);
  if (typeof internal.autoPresentAtMs === 'number') candidates.push(internal.autoPresentAtMs);
  return candidates.length > 0 ? Math.min(...candidates) : null;
}
