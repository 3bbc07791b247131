/**
 * A reader's authorization: claimed by one runner (a request or the scheduler), then load → decide →
 * commit — the PaymentIntent and the reader loaded together, the processor asked, both sides decided by
 * `decideReaderAuthorization` (core) and committed in one transaction.
 */
import {
  actionFailures,
  authorizationOutcome,
  authorizationRecoveryMs,
  connectionErrorOutcome,
  decideReaderAuthorization,
  endAuthorization,
  finishAction,
  isApiError,
  type ClaimedAuthorization,
  type ActionOutcome,
  type Reader,
} from '@opentill/core';
import type { RequestContext } from '../../engine.js';
import { errorsNotAnswered } from '../../idempotency.js';
import type { CardholderPin } from '../reader-link.js';
import { kinds } from '../../kinds.js';
import { ReaderPart } from './part.js';

export class ReaderAuthorizations extends ReaderPart {
  /**
   * Runs the authorization the reader started (card presented or confirm_payment_intent). The runner
   * first claims it (one commit), so a request and the scheduler never both authorize.
   */
  async authorize(
    ctx: RequestContext,
    readerId: string,
    claimedBy?: Reader,
    pin: CardholderPin | null = null,
  ): Promise<Reader> {
    const claim = claimedBy
      ? { reader: claimedBy, claimed: true }
      : await this.engine.retrying(async () => {
          const record = await this.load(ctx, readerId);
          const reader = record.object;
          const authorizing = reader._internal.authorizing;
          if (
            reader._internal.stage !== 'authorizing' ||
            !authorizing ||
            !reader.action ||
            authorizing.claimedAtMs ||
            authorizing.dueMs > ctx.nowMs
          ) {
            return { reader, claimed: false };
          }
          const claimed: Reader = {
            ...reader,
            _internal: { ...reader._internal, authorizing: { ...authorizing, claimedAtMs: ctx.nowMs } },
          };
          await this.commitReader(ctx, claimed, [], record);
          return { reader: claimed, claimed: true };
        });
    if (!claim.claimed) return claim.reader;
    const reader = claim.reader;
    const claimed = reader._internal.authorizing!;
    const fault = reader._internal.faults.nextAuthorization;
    let outcome = connectionErrorOutcome;
    if (!fault?.connectionError || fault.charged) {
      const result = await this.authorizeOnReader(ctx, reader, claimed, pin);
      if (result.reader) return result.reader;
      outcome = fault?.connectionError ? connectionErrorOutcome : result.outcome;
    }
    // Nothing committed the reader's side with a PaymentIntent (refused before the processor, or no longer this authorization).
    return this.changeReader(
      ctx,
      readerId,
      (current) => endAuthorization(current, claimed, outcome, ctx.nowMs) ?? { reader: current, events: [] },
    );
  }

  /**
   * Authorizes the card the reader claimed, as load → decide → commit: loads the PaymentIntent and
   * the reader, asks the processor, decides both sides in one pure function
   * (`decideReaderAuthorization`) and commits them once. A card asking for a PIN is authorized again
   * once with the PIN the reader collects (the soft decline commits on its own: it is the
   * PaymentIntent's first charge). `reader`: the reader committed with the outcome, null when nothing
   * ended its action (then `outcome` says what it must report).
   */
  private async authorizeOnReader(
    ctx: RequestContext,
    reader: Reader,
    claimed: ClaimedAuthorization,
    pin: CardholderPin | null,
  ): Promise<{ reader: Reader | null; outcome: ActionOutcome }> {
    const upfront = pin?.upfront ? pin.pin : null;
    const onRequest = upfront === null ? this.links.of(reader).pinOnRequest(reader, pin?.pin ?? null) : null;
    const paymentIntentId = String((reader.action![reader.action!.type] as Record<string, unknown>)['payment_intent']);
    // The reader answers a decline as the action's outcome: it is never the request's answer.
    const inner = errorsNotAnswered(ctx);
    const attempt = (pinNow: string | null, pinCanFollow: boolean) =>
      this.engine.transact(inner, async (unit) => {
        const confirmation = await this.paymentIntents.loadConfirmation(unit, paymentIntentId, {
          paymentMethod: claimed.paymentMethod,
          pin: pinNow,
          tipAmount: claimed.tipAmount,
          reader: { id: reader.id, location: reader.location },
          ...(claimed.allowRedisplay !== undefined ? { allowRedisplay: claimed.allowRedisplay } : {}),
        });
        const current = await unit.load(kinds.terminalReader, reader.id);
        const authorization = await this.paymentIntents.askProcessor(inner, confirmation, pinNow);
        const decision = decideReaderAuthorization(
          {
            paymentIntent: confirmation.paymentIntent,
            reader: current,
            claimed,
            authorization,
            pinCanFollow,
          },
          ctx.nowMs,
        );
        this.paymentIntents.recordConfirmation(unit, confirmation, decision);
        await unit.commit({ error: decision.decline });
        return decision;
      });
    try {
      let decision = await attempt(upfront, onRequest !== null);
      if (decision.retryWithPin) decision = await attempt(onRequest, false);
      return { reader: decision.reader, outcome: decision.outcome };
    } catch (error) {
      if (!isApiError(error)) throw error;
      return { reader: null, outcome: authorizationOutcome(error) };
    }
  }

  /** A claimed authorization whose runner never reported back: the reader shows a connection error. */
  async abandon(ctx: RequestContext, readerId: string): Promise<void> {
    await this.changeReader(ctx, readerId, (reader) => {
      const claimedAt = reader._internal.authorizing?.claimedAtMs;
      if (reader._internal.stage !== 'authorizing' || !claimedAt || claimedAt + authorizationRecoveryMs > ctx.nowMs) {
        return { reader, events: [] };
      }
      return finishAction(reader, { status: 'failed', ...actionFailures.connectionError }, ctx.nowMs);
    });
  }
}
