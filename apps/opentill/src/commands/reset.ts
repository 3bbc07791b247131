/**
 * `opentill reset`: the account starts over (`POST /opentill/v1/test/reset`): every object, event,
 * webhook delivery and idempotency key goes; the account, its keys and its test clock stay.
 */
import { ApiFailure, refusal, client, clientFlags } from '../cli/client.js';
import type { Command } from '../cli/command.js';

export const reset: Command = {
  name: 'reset',
  summary: "Delete the account's data (objects, events, deliveries, idempotency keys); keep its keys",
  usage: ['reset [options]'],
  description: 'Fixtures (serve --fixtures) come back at the next start of the server.',
  flags: [...clientFlags],
  examples: ['opentill reset', 'opentill reset --api-base http://127.0.0.1:5700 --api-key sk_test_…'],
  async run({ values }) {
    const api = client(values);
    let answer;
    try {
      answer = await api.call('POST', '/opentill/v1/test/reset');
    } catch (error) {
      if (error instanceof ApiFailure) throw refusal('reset', error);
      throw error;
    }
    const deleted = answer['deleted'] as Record<string, number>;
    process.stdout.write(
      `Reset ${String(answer['account'])} on ${api.base}: ${deleted['objects']} objects, ` +
        `${deleted['webhook_deliveries']} webhook deliveries, ${deleted['idempotency_keys']} idempotency keys deleted\n`,
    );
  },
};
