/**
 * Plausible, deterministic EMV receipt fields (charge.payment_method_details.*.receipt). Real
 * values come from the chip; here they are derived from the network, funding and a seed so the
 * same authorization always prints the same receipt.
 */
import type { CardFacts, CardReceipt } from '@opentill/engine';
import { hexFrom } from './derive.js';
import type { Cvm } from './rules.js';

interface Application {
  /** EMV 84 / AID. */
  aid: string;
  /** EMV 9F12. */
  name: string;
}

/** AIDs are the networks' registered application identifiers (RID + PIX). */
function applicationOf(card: CardFacts): Application {
  const debit = card.funding === 'debit';
  switch (card.network) {
    case 'visa':
      return {
        aid: 'A0000000031010',
        name: debit ? 'Visa Debit' : card.funding === 'prepaid' ? 'Visa Prepaid' : 'Visa Credit',
      };
    case 'mastercard':
      return {
        aid: 'A0000000041010',
        name: debit ? 'Debit Mastercard' : card.funding === 'prepaid' ? 'Prepaid Mastercard' : 'Mastercard',
      };
    case 'amex':
      return { aid: 'A000000025010801', name: 'American Express' };
    case 'discover':
      return { aid: 'A0000001523010', name: 'Discover' };
    case 'diners':
      // Diners Club cards are processed on the Discover network and carry its AID.
      return { aid: 'A0000001523010', name: 'Diners Club' };
    case 'jcb':
      return { aid: 'A0000000651010', name: 'JCB' };
    case 'unionpay':
      return {
        aid: debit ? 'A000000333010101' : 'A000000333010102',
        name: debit ? 'UnionPay Debit' : 'UnionPay Credit',
      };
    case 'interac':
      return { aid: 'A0000002771010', name: 'Interac' };
    case 'eftpos_au':
      // eftpos cheque/savings application; the simulator does not model account selection.
      return { aid: 'A00000038410', name: 'eftpos SAV' };
    case 'cartes_bancaires':
      return { aid: 'A0000000421010', name: 'CB' };
    case 'girocard':
      return { aid: 'A0000003591010028001', name: 'girocard' };
    default:
      return { aid: 'A0000000000000', name: 'Card' };
  }
}

/** Receipt `account_type` from funding; Interac receipts allow only checking/savings/unknown. */
function accountTypeOf(card: CardFacts): CardReceipt['account_type'] {
  switch (card.funding) {
    case 'credit':
      return card.type === 'interac_present' ? 'unknown' : 'credit';
    case 'debit':
      return 'checking';
    case 'prepaid':
      return card.type === 'interac_present' ? 'unknown' : 'prepaid';
    default:
      return 'unknown';
  }
}

/**
 * EMV 95 (TVR): all zero except byte 3 — 0x80 "cardholder verification failed" on a wrong PIN,
 * 0x04 "online PIN entered" when the PIN went online.
 */
function tvrOf(cvm: Cvm): string {
  if (cvm === 'failure') return '0000800000';
  if (cvm === 'online_pin') return '0000040000';
  return '0000000000';
}

/**
 * EMV 9B (TSI): contactless kernels usually leave it 0000; a chip (contact) transaction sets
 * offline data authentication, card risk management and issuer authentication (6800), plus
 * "cardholder verification performed" (E800) when a PIN was checked. A PIN implies insertion here.
 */
function tsiOf(card: CardFacts, cvm: Cvm): string {
  if (cvm === 'offline_pin' || cvm === 'online_pin' || cvm === 'failure') return 'E800';
  return card.readMethod === 'contact_emv' ? '6800' : '0000';
}

export interface ReceiptInput {
  card: CardFacts;
  cvm: Cvm;
  authorizationCode: string | null;
  /** EMV 8A as hex of the two ASCII response-code characters ('3030' = "00" approved). */
  responseCode: string;
  /** Makes the cryptogram unique per authorization attempt. */
  seed: readonly (string | number)[];
}

export function buildReceipt(input: ReceiptInput): CardReceipt {
  const app = applicationOf(input.card);
  return {
    account_type: accountTypeOf(input.card),
    application_cryptogram: hexFrom(16, 'arqc', ...input.seed),
    application_preferred_name: app.name,
    authorization_code: input.authorizationCode,
    authorization_response_code: input.responseCode,
    cardholder_verification_method: input.cvm,
    dedicated_file_name: app.aid,
    terminal_verification_results: tvrOf(input.cvm),
    transaction_status_information: tsiOf(input.card, input.cvm),
  };
}
