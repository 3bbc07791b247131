/**
 * The SDK session state as it travels (`GET /opentill/v1/sdk/state?after=<version>`, docs/sdk.md):
 * the engine answers it, the JS SDK and the mobile SDK long-poll it. One shape here; each side
 * fills in its own view of the objects it carries (the engine's stored objects, the JS SDK's
 * public types, the mobile SDK's JSON). Types only: the SDKs import it with `import type`, so
 * nothing of this package reaches a browser bundle.
 */

/** Why a session has no reader any more (null while connected, or before any connection). */
export type SdkDisconnectReason = 'taken_over' | 'reader_offline' | 'reader_deleted' | 'session_ended';

/** The part of a reader's `action` the SDKs wait on. */
export interface SdkReaderActionWire {
  type: string;
  status: 'in_progress' | 'succeeded' | 'failed';
  failure_code: string | null;
  failure_message: string | null;
}

export interface SdkStateWire<Reader = unknown, PaymentIntent = unknown, SetupIntent = unknown, Refund = unknown> {
  object: 'opentill.sdk_state';
  /** Changes whenever the reader, its connection or the session changes (long-poll cursor). */
  version: string;
  connection: 'connected' | 'not_connected';
  disconnect_reason: SdkDisconnectReason | null;
  reader: Reader | null;
  payment_intent?: PaymentIntent | null;
  setup_intent?: SetupIntent | null;
  refund?: Refund | null;
  /** The tip chosen on the reader for the card it holds (collectPaymentMethod), if any. */
  collected_tip_amount?: number;
}
