/**
 * Every way the simulator can refuse an authorization, in one table: the Stripe error `code`,
 * `decline_code`, customer-facing message, and the charge `outcome` fields. Keeping it in one
 * place makes the messages consistent between authorizations, increments and tests.
 */
import type { ProcessorOutcome } from '@opentill/engine';

export type DeclineCode =
  | 'generic_decline'
  | 'insufficient_funds'
  | 'lost_card'
  | 'stolen_card'
  | 'expired_card'
  | 'processing_error'
  | 'call_issuer'
  | 'incorrect_pin'
  | 'withdrawal_count_limit_exceeded'
  | 'pin_try_exceeded'
  | 'offline_pin_required'
  | 'online_or_offline_pin_required'
  | 'currency_not_supported';

export interface DeclineSpec {
  /** Stripe error `code`. */
  code: 'card_declined' | 'expired_card' | 'incorrect_pin' | 'processing_error';
  /** Stripe `decline_code`; null when Stripe sends none (processing errors). */
  declineCode: DeclineCode | null;
  message: string;
  adviceCode: ProcessorOutcome['advice_code'];
  /** Whether the request reached the issuer, which drives `outcome.network_status` and `type`. */
  sentToNetwork: boolean;
  /**
   * EMV tag 8A for the receipt, as the hex of two ASCII characters. The test-amount endings (rules.ts)
   * are the ISO 8583 response codes themselves (01 refer to issuer, 05 do not honour, 55 wrong
   * PIN, 65 withdrawal count exceeded — also the soft decline networks use to ask for a PIN — 75
   * PIN tries exceeded), so the receipts use them. Null: no receipt (nothing reached the card).
   */
  responseCode: string | null;
}

const DECLINED = 'Your card was declined.';

export const declines: Readonly<Record<DeclineCode, DeclineSpec>> = Object.freeze({
  generic_decline: {
    code: 'card_declined',
    declineCode: 'generic_decline',
    message: DECLINED,
    adviceCode: null,
    sentToNetwork: true,
    responseCode: '3035',
  },
  insufficient_funds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    adviceCode: 'try_again_later',
    sentToNetwork: true,
    responseCode: '3531',
  },
  lost_card: {
    code: 'card_declined',
    declineCode: 'lost_card',
    message: DECLINED,
    adviceCode: 'do_not_try_again',
    sentToNetwork: true,
    responseCode: '3431',
  },
  stolen_card: {
    code: 'card_declined',
    declineCode: 'stolen_card',
    message: DECLINED,
    adviceCode: 'do_not_try_again',
    sentToNetwork: true,
    responseCode: '3433',
  },
  expired_card: {
    code: 'expired_card',
    declineCode: 'expired_card',
    message: 'Your card has expired.',
    adviceCode: 'confirm_card_data',
    sentToNetwork: true,
    responseCode: '3534',
  },
  // Stripe's processing_error is a failure on the way to the issuer, so nothing was decided by the
  // network: not_sent_to_network / invalid, and worth retrying later.
  processing_error: {
    code: 'processing_error',
    declineCode: null,
    message: 'An error occurred while processing your card. Try again in a little bit.',
    adviceCode: 'try_again_later',
    sentToNetwork: false,
    responseCode: null,
  },
  call_issuer: {
    code: 'card_declined',
    declineCode: 'call_issuer',
    message: DECLINED,
    adviceCode: null,
    sentToNetwork: true,
    responseCode: '3031',
  },
  incorrect_pin: {
    code: 'incorrect_pin',
    declineCode: 'incorrect_pin',
    message: 'The PIN you entered is incorrect.',
    adviceCode: 'confirm_card_data',
    sentToNetwork: true,
    responseCode: '3535',
  },
  withdrawal_count_limit_exceeded: {
    code: 'card_declined',
    declineCode: 'withdrawal_count_limit_exceeded',
    message: DECLINED,
    adviceCode: 'try_again_later',
    sentToNetwork: true,
    responseCode: '3635',
  },
  pin_try_exceeded: {
    code: 'card_declined',
    declineCode: 'pin_try_exceeded',
    message: 'The allowable number of PIN tries has been exceeded.',
    adviceCode: 'do_not_try_again',
    sentToNetwork: true,
    responseCode: '3735',
  },
  // Soft declines: the issuer wants a PIN. No advice code — the right move is a retry with a PIN,
  // which the result's `pinRequired` says more precisely.
  offline_pin_required: {
    code: 'card_declined',
    declineCode: 'offline_pin_required',
    message: 'Your card was declined. Insert the card and enter the PIN.',
    adviceCode: null,
    sentToNetwork: true,
    responseCode: '3635',
  },
  online_or_offline_pin_required: {
    code: 'card_declined',
    declineCode: 'online_or_offline_pin_required',
    message: 'Your card was declined. Enter the PIN.',
    adviceCode: null,
    sentToNetwork: true,
    responseCode: '3635',
  },
  // Interac outside CAD: the Interac network cannot carry it, so it is refused before the issuer.
  currency_not_supported: {
    code: 'card_declined',
    declineCode: 'currency_not_supported',
    message: 'Your card does not support this currency.',
    adviceCode: 'do_not_try_again',
    sentToNetwork: false,
    responseCode: null,
  },
} satisfies Record<DeclineCode, DeclineSpec>);

/**
 * The charge `outcome` of a decline. Seller messages follow Stripe: generic declines carry no
 * detail, specific ones name the decline code.
 */
export function declinedOutcome(spec: DeclineSpec, riskScore: number): ProcessorOutcome {
  const reason = spec.declineCode ?? spec.code;
  let sellerMessage: string;
  if (!spec.sentToNetwork) {
    sellerMessage =
      spec.code === 'processing_error'
        ? 'An error occurred while processing this card. The payment was not sent to the card network.'
        : `The payment was not sent to the card network: ${reason}.`;
  } else if (spec.declineCode === 'generic_decline') {
    sellerMessage = 'The bank did not return any further details with this decline.';
  } else {
    sellerMessage = `The bank returned the decline code \`${reason}\`.`;
  }
  return {
    network_status: spec.sentToNetwork ? 'declined_by_network' : 'not_sent_to_network',
    reason,
    risk_level: 'normal',
    risk_score: riskScore,
    seller_message: sellerMessage,
    type: spec.sentToNetwork ? 'issuer_declined' : 'invalid',
    advice_code: spec.adviceCode,
  };
}

export function approvedOutcome(riskScore: number): ProcessorOutcome {
  return {
    network_status: 'approved_by_network',
    reason: null,
    risk_level: 'normal',
    risk_score: riskScore,
    seller_message: 'Payment complete.',
    type: 'authorized',
    advice_code: null,
  };
}
