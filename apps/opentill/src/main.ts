#!/usr/bin/env node
/**
 * `opentill` — the command line. The command table is `commands/index.ts`; each command is one module
 * under `commands/` (flags, help, examples, run). Usage errors exit with code 2, other failures with
 * code 1, each as one line on stderr — never a stack trace (`OPENTILL_DEBUG=1` shows it).
 */
import { readFileSync } from 'node:fs';
import { UsageError, commandHelp, parseCommandArgs, suggest } from './cli/command.js';
import { ApiFailure } from './cli/client.js';
import { commands } from './commands/index.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function mainHelp(): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  return [
    'OpenTill: a self-hosted, Stripe-compatible Terminal test server.',
    '',
    'Usage: opentill <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Options:',
    '  -h, --help      show help (opentill <command> --help: its options and examples)',
    '  -v, --version   show the version',
    '',
    'Client commands find the server by themselves: --api-base, OPENTILL_API_BASE, the address',
    'opentill serve recorded in ./.opentill (--data-dir), PORT, then http://127.0.0.1:4242.',
    '',
    'Start with: opentill serve   then, in another terminal: opentill trigger payment_intent.succeeded',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = topic ? commands.find((c) => c.name === topic) : undefined;
    if (topic && !command) throw unknownCommand(topic);
    process.stdout.write(command ? commandHelp(command) : mainHelp());
    return 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`opentill ${version()}\n`);
    return 0;
  }
  if (name.startsWith('-'))
    throw new UsageError(
      `opentill: '${name}' comes after a command, e.g. opentill serve ${name} (see opentill --help)`,
    );
  const command = commands.find((c) => c.name === name);
  if (!command) throw unknownCommand(name);
  if (command.rawArgs) return (await command.run({ values: {}, positionals: rest })) ?? 0;
  const args = parseCommandArgs(command, rest);
  if (args.values['help']) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  return (await command.run(args)) ?? 0;
}

function unknownCommand(name: string): UsageError {
  const near = suggest(
    name,
    commands.map((command) => command.name),
  );
  return new UsageError(
    `opentill: unknown command '${name}'${near ? `; did you mean '${near}'?` : ''} (commands: ${commands
      .map((command) => command.name)
      .join(', ')}; see opentill --help)`,
  );
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (process.env['OPENTILL_DEBUG']) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    const message = error instanceof Error ? error.message : String(error);
    const line = /^opentill\b/.test(message) ? message : `opentill: ${message}`;
    const hint =
      error instanceof ApiFailure && error.status === 401 ? ' (check --api-key: a secret key of this server)' : '';
    process.stderr.write(`${line.split('\n')[0]}${hint}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
