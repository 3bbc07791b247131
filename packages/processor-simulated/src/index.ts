/**
 * @opentill/processor-simulated — a deterministic card processor implementing the engine's
 * `Processor` port with Stripe Terminal's simulated test cards and test amounts. No clock, no
 * randomness: time arrives as `nowMs`, everything else is derived by hashing, so runs replay.
 */
import type {
  AuthorizationRequest,
  AuthorizationResult,
  CardRead,
  CardReadResult,
  IncrementRequest,
  IncrementResult,
  Processor,
  RefundRequest,
  RefundResult,
} from '@opentill/engine';
import { captureBeforeOf, incrementalSupportedOf, overcaptureSupportedOf } from './capture.js';
import { approvedOutcome, declinedOutcome, declines } from './declines.js';
import { digitsFrom, riskScoreOf } from './derive.js';
import { readCard } from './read-card.js';
import { buildReceipt } from './receipt.js';
import { amountEnding, decide, hardDeclineEndings } from './rules.js';

export { testCards, defaultTestCardNumber, findTestCard, findTestCardByName, brandFromIin } from './card-table.js';
export type { TestCard, TestCardKind, Funding } from './card-table.js';
export { declines } from './declines.js';
export type { DeclineCode, DeclineSpec } from './declines.js';
export { TEST_PIN } from './rules.js';
export { DEFAULT_EXP_MONTH, DEFAULT_EXP_YEAR } from './read-card.js';
export { VISA_WINDOW_SECONDS, JPY_WINDOW_SECONDS, DEFAULT_WINDOW_SECONDS, EXTENDED_WINDOW_SECONDS } from './capture.js';
export { isValidPan, passesLuhn } from './luhn.js';

export interface SimulatedProcessorOptions {
  /** Secret for the card fingerprint HMAC; keep it stable or fingerprints change. */
  fingerprintKey: string;
}

export class SimulatedProcessor implements Processor {
  readonly #fingerprintKey: string;

  constructor(options: SimulatedProcessorOptions) {
    if (!options.fingerprintKey) throw new Error('SimulatedProcessor: fingerprintKey must not be empty');
    this.#fingerprintKey = options.fingerprintKey;
  }

  readCard(accountId: string, read: CardRead): CardReadResult {
    return readCard(this.#fingerprintKey, accountId, read);
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    const { card } = request;
    const decision = decide(request);
    const riskScore = riskScoreOf(card.fingerprint);
    // Everything "random" about this attempt hashes from the card, amount and time.
    const seed = [card.fingerprint, request.amount, request.currency.toLowerCase(), request.nowMs] as const;

    if (!decision.approve) {
      const spec = declines[decision.decline];
      const cvm = decision.decline === 'incorrect_pin' || decision.decline === 'pin_try_exceeded' ? 'failure' : 'none';
      return {
        approved: false,
        code: spec.code,
        declineCode: spec.declineCode,
        message: spec.message,
        pinRequired: decision.pinRequired,
        outcome: declinedOutcome(spec, riskScore),
        receipt:
          spec.responseCode === null
            ? null
            : buildReceipt({ card, cvm, authorizationCode: null, responseCode: spec.responseCode, seed }),
      };
    }

    const authorizationCode = digitsFrom(6, 'auth', ...seed);
    const terms = {
      captureMethod: request.captureMethod,
      currency: request.currency,
      requestExtendedAuthorization: request.requestExtendedAuthorization,
      requestIncrementalAuthorizationSupport: request.requestIncrementalAuthorizationSupport,
      nowMs: request.nowMs,
    };
    return {
      approved: true,
      authorizationCode,
      networkTransactionId: digitsFrom(15, 'ntid', ...seed),
      captureBefore: captureBeforeOf(card, terms),
      overcaptureSupported: overcaptureSupportedOf(card, terms),
      incrementalAuthorizationSupported: incrementalSupportedOf(card, terms),
      outcome: approvedOutcome(riskScore),
      receipt: buildReceipt({ card, cvm: decision.cvm, authorizationCode, responseCode: '3030', seed }),
    };
  }

  /**
   * Increments are card-not-present, so only the test-amount endings (rules.ts) that decline without a PIN apply to
   * the new total (01, 05, 55, 65, 75); 02/03 ask for a PIN nobody can enter and are approved.
   * Whether the increment is allowed at all (supported, larger than the current amount) is the
   * engine's check, made before calling this.
   */
  async incrementAuthorization(request: IncrementRequest): Promise<IncrementResult> {
    const code = hardDeclineEndings[amountEnding(request.newAmount)];
    if (!code) return { approved: true };
    return { approved: false, declineCode: code, message: declines[code].message };
  }

  /**
   * `refund_fail` refunds are accepted and fail later (card-table.ts). Interac refunds with an
   * amount ending 01/05/55/65/75 are declined on the spot (rules.ts, "declined refund"). The docs say
   * "partial refund", but a charge whose amount ends that way could never have been authorized, so
   * any such refund amount is necessarily partial and the request needs no charge amount.
   */
  async refund(request: RefundRequest): Promise<RefundResult> {
    if (request.card.testCard === 'refund_fail') {
      return { accepted: true, failsLaterWith: 'expired_or_canceled_card' };
    }
    if (request.card.type === 'interac_present' && hardDeclineEndings[amountEnding(request.amount)]) {
      return { accepted: false, failureReason: 'declined', message: 'The refund was declined by the card issuer.' };
    }
    return { accepted: true, failsLaterWith: null };
  }
}
