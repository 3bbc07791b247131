/**
 * The session state long-poll (`GET /opentill/v1/sdk/state?after=<version>`, docs/sdk.md): one
 * poll runs while the phone is connected. Commands wait on it for their reader action's outcome,
 * and it is how an unexpected disconnect (the reader went offline, another session took it) is
 * seen. The poll itself is the JS SDK's too (../state-monitor.ts); this is the mobile state's type.
 */
import type { Json } from '../transport.js';
import { StateMonitor as SharedStateMonitor, type ReaderAction } from '../state-monitor.js';

export type { ReaderAction };

export interface SdkState {
  object: 'opentill.sdk_state';
  version: string;
  connection: 'connected' | 'not_connected';
  disconnect_reason: 'taken_over' | 'reader_offline' | 'reader_deleted' | 'session_ended' | null;
  reader: (Json & { id: string; action: ReaderAction | null }) | null;
  payment_intent?: Json | null;
}

/** The shared long-poll over the mobile state. */
export class StateMonitor extends SharedStateMonitor<SdkState> {}
