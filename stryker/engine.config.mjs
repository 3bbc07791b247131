// @ts-check
/**
 * Mutation testing of packages/engine against engine's own unit tests (docs/mutation.md).
 *
 * Scope: the engine's infrastructure, which has unit tests beside it — the commit batch and its
 * retry on conflict, idempotency's recorded effects and sealing, accounts and keys, the scheduler, the clock and
 * id adapters, and webhook retry schedules, signing, event selection and sending — plus the one
 * function of `terminal/reader-devices.ts` its test covers, the events feed, customers, the
 * secrets helper and reader presence (each with a unit test beside it). The use cases (payment intents,
 * readers, SDK sessions, webhook endpoints and dispatch…) are tested only end to end over HTTP
 * (apps/opentill/src/e2e): mutating them would mean a server and seconds per mutant, so they are
 * out of this run and out of its score.
 */
import { packageConfig } from './shared.mjs';

export default {
  ...packageConfig('engine', {
    mutate: [
      'packages/engine/src/engine.ts',
      'packages/engine/src/idempotency.ts',
      'packages/engine/src/accounts.ts',
      'packages/engine/src/adapters.ts',
      'packages/engine/src/scheduler.ts',
      'packages/engine/src/webhooks/backoff.ts',
      'packages/engine/src/webhooks/signer.ts',
      'packages/engine/src/webhooks/event-types.ts',
      'packages/engine/src/webhooks/sender.ts',
      'packages/engine/src/webhooks/events-feed.ts',
      'packages/engine/src/customers.ts',
      'packages/engine/src/secrets.ts',
      'packages/engine/src/terminal/presence.ts',
      'packages/engine/src/terminal/reader-devices.ts:279-289',
    ],
    references: ['core', 'protocol', 'reader-device'],
  }),
  thresholds: { high: 85, low: 75, break: null },
};
