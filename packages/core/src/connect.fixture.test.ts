/**
 * Test fixture, no tests: a captured charge and a settlement call with fixed ids, for the Connect
 * tests (named `.test.ts` so it is compiled with them and left out of the published package).
 */
import type { StoredObject } from './domain.js';
import { settleConnectCharge, type ConnectSettlementInput } from './connect.js';

/** 999 ms past a whole second: `created` is that second, rounded down. */
export const connectNowMs = 1_800_000_000_999;
export const connectIds = { transfer: 'tr_1', destinationPayment: 'py_1', applicationFee: 'fee_1' };

export function capturedCharge(overrides: Record<string, unknown> = {}): StoredObject {
  return {
    id: 'ch_1',
    object: 'charge',
    created: Math.floor(connectNowMs / 1000),
    livemode: false,
    amount: 1000,
    amount_captured: 1000,
    captured: true,
    status: 'succeeded',
    currency: 'usd',
    application_fee: null,
    application_fee_amount: null,
    transfer_data: null,
    transfer_group: null,
    ...overrides,
  };
}

/** Settles on the platform `acct_platform` (no platform above it) unless told otherwise. */
export function settle(overrides: Partial<ConnectSettlementInput> & { charge: StoredObject }) {
  return settleConnectCharge({
    accountId: 'acct_platform',
    platformId: null,
    applicationId: 'ca_1',
    ids: connectIds,
    nowMs: connectNowMs,
    ...overrides,
  });
}
