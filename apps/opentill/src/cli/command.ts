/**
 * The CLI's command table and argument handling. Each command is one module under `src/commands/`
 * that exports a `Command`: its flags (one list, from which parsing AND help are made), a one-line
 * summary, examples and `run`. `main.ts` only looks commands up in the table, so adding one is adding
 * a module and a line there.
 *
 * Arguments are parsed by `node:util` `parseArgs` (built in, maintained with Node, no dependency);
 * this module adds what it lacks on Node 20: `--no-<flag>` for boolean flags, deprecated aliases,
 * and one-line, actionable messages (exit code 2) instead of its own.
 */
import { parseArgs } from 'node:util';

export interface Flag {
  name: string;
  type: 'string' | 'boolean';
  /** Placeholder shown in help (`--port <n>`). */
  value?: string;
  short?: string;
  help: string;
  /** Boolean flags: `--no-<name>` sets false. */
  negatable?: boolean;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** A deprecated spelling: accepted, hidden from help, read as `aliasOf`. */
  aliasOf?: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: FlagValues;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for `opentill --help`. */
  summary: string;
  /** Usage lines, without the leading `opentill `. */
  usage: string[];
  /** A paragraph after the usage lines (optional). */
  description?: string;
  flags: Flag[];
  examples: string[];
  /** Parses its own arguments: `run` gets them untouched as `positionals`. */
  rawArgs?: boolean;
  /** How many positionals it takes at most (default 0). */
  positionalsMax?: number;
  run(args: Parsed): Promise<number | void>;
}

/** A usage error: wrong command, flag or value. Printed as one line; exit code 2. */
export class UsageError extends Error {}

/** Anything else the user can fix (server unreachable, port busy…): one line, exit code 1. */
export class CliError extends Error {}

export const helpFlag: Flag = { name: 'help', short: 'h', type: 'boolean', help: 'show this help' };

export function parseCommandArgs(command: Command, argv: string[]): Parsed {
  const flags = [...command.flags, helpFlag];
  const byName = new Map(flags.map((flag) => [flag.name, flag]));
  const negated = new Map<string, boolean>();
  const rest: string[] = [];
  for (const arg of argv) {
    const match = /^--no-([a-z0-9-]+)$/.exec(arg);
    const flag = match ? byName.get(match[1]!) : undefined;
    if (flag?.negatable) negated.set(flag.aliasOf ?? flag.name, false);
    else rest.push(arg);
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const flag of flags) {
    options[flag.name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(parseArgsMessage(command, error as Error & { code?: string }));
  }
  const values: FlagValues = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    const flag = byName.get(name)!;
    values[flag.aliasOf ?? name] = value as FlagValues[string];
  }
  for (const [name, value] of negated) values[name] ??= value;
  const max = command.positionalsMax ?? 0;
  if (parsed.positionals.length > max && !values['help']) {
    const extra = parsed.positionals[max]!;
    throw new UsageError(
      `opentill ${command.name}: unexpected argument '${extra}' (see opentill ${command.name} --help)`,
    );
  }
  return { values, positionals: parsed.positionals };
}

function parseArgsMessage(command: Command, error: Error & { code?: string }): string {
  const hint = `(see opentill ${command.name} --help)`;
  // Node's messages quote the flag as '-p, --port <value>' or '--port': the long name is what we show.
  const flag =
    /(--[a-z0-9-]+(?:=[^' ]*)?)/.exec(error.message)?.[1] ?? /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = flag.replace(/^-+/, '').split('=')[0]!;
      const near = suggest(
        name,
        command.flags.filter((f) => !f.aliasOf).map((f) => f.name),
      );
      return `opentill ${command.name}: unknown flag ${flag}${near ? `; did you mean --${near}?` : ''} ${hint}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/ambiguous/.test(error.message)) {
        return `opentill ${command.name}: ${flag} needs a value; write one that starts with '-' as ${flag}=-… ${hint}`;
      }
      return /argument missing/.test(error.message)
        ? `opentill ${command.name}: ${flag} needs a value ${hint}`
        : `opentill ${command.name}: ${flag.split('=')[0]} takes no value ${hint}`;
    default:
      return `opentill ${command.name}: ${error.message.split('\n')[0]} ${hint}`;
  }
}

/** The closest name (edit distance ≤ 2, or a prefix), for "did you mean". */
export function suggest(input: string, names: string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    const distance = name.startsWith(input) && input.length >= 2 ? 1 : editDistance(input, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function commandHelp(command: Command): string {
  const lines = [`${command.summary}`, '', 'Usage:', ...command.usage.map((line) => `  opentill ${line}`)];
  if (command.description) lines.push('', command.description);
  lines.push('', 'Options:');
  const shown = [...command.flags.filter((flag) => !flag.aliasOf), helpFlag];
  const label = (flag: Flag) =>
    `${flag.short ? `-${flag.short}, ` : '    '}--${flag.negatable ? `[no-]${flag.name}` : flag.name}` +
    (flag.value ? ` <${flag.value}>` : '');
  const width = Math.min(34, Math.max(...shown.map((flag) => label(flag).length)) + 2);
  for (const flag of shown) {
    const head = label(flag);
    const [first, ...more] = flag.help.split('\n');
    lines.push(head.length < width ? `  ${head.padEnd(width)}${first}` : `  ${head}\n  ${''.padEnd(width)}${first}`);
    for (const line of more) lines.push(`  ${''.padEnd(width)}${line}`);
  }
  if (command.examples.length > 0) lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Values. One syntax per kind of value, everywhere.
// ---------------------------------------------------------------------------------------------

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(values: FlagValues, name: string): boolean | undefined {
  const value = values[name];
  return typeof value === 'boolean' ? value : undefined;
}

export function listFlag(values: FlagValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(text: string, source: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new UsageError(`${source}: '${text}' is not a port number; use 0 to 65535 (e.g. --port 4242)`);
  }
  return Number(text);
}

/** A whole number in [min, max]. */
export function parseInteger(text: string, source: string, min: number, max: number): number {
  if (!/^-?\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${source}: '${text}' is not a whole number from ${min} to ${max}`);
  }
  return Number(text);
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The one duration syntax: a number and a unit, `500ms`, `10s`, `2m`, `1h` (fractions allowed: `1.5s`). */
export function parseDuration(text: string, source: string, bounds: { minMs: number; maxMs: number }): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) {
    const hint = /^\d+(\.\d+)?$/.test(text.trim())
      ? ` (add a unit: ${text.trim()}s or ${text.trim()}ms)`
      : ' (e.g. 500ms, 10s, 2m)';
    throw new UsageError(`${source}: '${text}' is not a duration${hint}`);
  }
  const ms = Math.round(Number(match[1]) * durationUnits[match[2]!]!);
  if (ms < bounds.minMs || ms > bounds.maxMs) {
    throw new UsageError(
      `${source}: ${text} is out of range (${formatDuration(bounds.minMs)} to ${formatDuration(bounds.maxMs)})`,
    );
  }
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
