/**
 * The session state long-poll (`GET /opentill/v1/sdk/state?after=<version>`, docs/sdk.md): one
 * poll runs while the phone is connected. Commands wait on it for their reader action's outcome,
 * and it is how an unexpected disconnect (the reader went offline, another session took it) is
 * seen. The poll itself is the JS SDK's too (../state-monitor.ts); this is the mobile state's type.
 */
import type { SdkStateWire } from '@opentill/protocol';
import type { Json } from '../transport.js';
import { StateMonitor as SharedStateMonitor, type ReaderAction } from '../state-monitor.js';

export type { ReaderAction };

/** The state's wire shape (protocol/sdk-state.ts) with the mobile SDK's view of the reader and intent. */
export type SdkState = SdkStateWire<Json & { id: string; action: ReaderAction | null }, Json>;

/** The shared long-poll over the mobile state. */
export class StateMonitor extends SharedStateMonitor<SdkState> {}
