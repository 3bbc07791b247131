/**
 * `opentill logs tail` (apps/opentill/src/logs-tail.ts, from the operations work): its own argument
 * parsing and help, so the command table hands it the raw arguments.
 */
import type { Command } from '../cli/command.js';
import { logs as logsTail } from '../logs-tail.js';

export const logs: Command = {
  name: 'logs',
  summary: "Follow the server's request log (opentill logs tail)",
  usage: ['logs tail [options]'],
  flags: [],
  examples: ['opentill logs tail'],
  rawArgs: true,
  async run({ positionals }) {
    await logsTail(positionals);
  },
};
