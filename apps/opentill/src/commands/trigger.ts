/**
 * `opentill trigger <event>`: runs the real API flow that makes a running OpenTill emit that event
 * (other events of the flow come too, as with `stripe trigger`); `--list` shows what it can
 * trigger. Terminal flows use one simulated reader (`simulated-wpe`) in one location, both created
 * the first time and found again by their metadata afterwards. `--override resource:param=value`
 * changes a parameter the flow sends, `--add resource:param=value` adds one (Stripe CLI forms).
 */
import { defaultSimulatedCard } from '@opentill/core';
import { CliError, UsageError, booleanFlag, listFlag, suggest, type Command } from '../cli/command.js';
import { ApiFailure, client, clientFlags, type ApiObject, type Client } from '../cli/client.js';
import { green, progress } from '../cli/output.js';

/** `--override` / `--add` values, per resource, as nested objects ready to merge into a request. */
export interface Customizations {
  overrides: Map<string, Record<string, unknown>>;
  additions: Map<string, Record<string, unknown>>;
}

const resources = [
  'payment_intent',
  'refund',
  'charge',
  'location',
  'reader',
  'card',
  'customer',
  'setup_intent',
] as const;

/** `payment_intent:metadata.order=42` or `payment_intent:metadata[order]=42` → ['payment_intent', ['metadata','order'], '42']. */
export function parseCustomization(text: string, flag: string): { resource: string; path: string[]; value: string } {
  const match = /^([a-z_]+):([^=]+)=(.*)$/s.exec(text);
  const usage = `${flag}: '${text}' is not resource:param=value (e.g. ${flag} payment_intent:amount=5000)`;
  if (!match) throw new UsageError(usage);
  const resource = match[1]!;
  if (!(resources as readonly string[]).includes(resource)) {
    throw new UsageError(`${flag}: unknown resource '${resource}' (one of ${resources.join(', ')})`);
  }
  const path = match[2]!
    .replace(/\[([^\]]*)\]/g, '.$1')
    .split('.')
    .filter((part) => part.length > 0);
  if (path.length === 0 || path.some((part) => !/^[\w-]+$/.test(part))) throw new UsageError(usage);
  return { resource, path, value: match[3]! };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node = node[part] =
      next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
  }
  node[path[path.length - 1]!] = value;
}

function hasPath(target: Record<string, unknown>, path: string[]): boolean {
  let node: unknown = target;
  for (const part of path) {
    if (!node || typeof node !== 'object' || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

function customizations(overrides: string[], additions: string[]): Customizations {
  const collect = (list: string[], flag: string) => {
    const map = new Map<string, Record<string, unknown>>();
    for (const text of list) {
      const { resource, path, value } = parseCustomization(text, flag);
      const entry = map.get(resource) ?? {};
      setPath(entry, path, value);
      map.set(resource, entry);
      (entry as { __paths?: string[][] }).__paths = [...((entry as { __paths?: string[][] }).__paths ?? []), path];
    }
    return map;
  };
  return { overrides: collect(overrides, '--override'), additions: collect(additions, '--add') };
}

/** A flow's request parameters for one resource, with the user's overrides and additions applied. */
class Params {
  private readonly used = new Set<string>();
  constructor(private readonly custom: Customizations) {}

  /** Resources the user customized that the flow never asked for (e.g. a reader it reused). */
  unused(): string[] {
    return [...new Set([...this.custom.overrides.keys(), ...this.custom.additions.keys()])].filter(
      (r) => !this.used.has(r),
    );
  }

  for(resource: string, defaults: Record<string, unknown>): Record<string, unknown> {
    this.used.add(resource);
    const result: Record<string, unknown> = structuredClone(defaults);
    for (const [map, mustExist] of [
      [this.custom.overrides, true],
      [this.custom.additions, false],
    ] as const) {
      const entry = map.get(resource);
      if (!entry) continue;
      const { __paths: paths, ...values } = entry as { __paths?: string[][] } & Record<string, unknown>;
      for (const path of paths ?? []) {
        if (hasPath(defaults, path) !== mustExist) {
          throw new UsageError(
            mustExist
              ? `--override ${resource}:${path.join('.')}: the flow does not send that parameter; use --add to add it`
              : `--add ${resource}:${path.join('.')}: the flow already sends that parameter; use --override to change it`,
          );
        }
        let value: unknown = values;
        for (const part of path) value = (value as Record<string, unknown>)[part];
        setPath(result, path, value);
      }
    }
    return result;
  }
}

interface Run {
  api: Client;
  params: Params;
}
type Flow = (run: Run) => Promise<string>;

const approvedCard = defaultSimulatedCard.card_present;
const declinedCard = '4000000000000002';

async function intent({ api, params }: Run, capture: 'manual' | 'automatic'): Promise<ApiObject> {
  return api.call(
    'POST',
    '/v1/payment_intents',
    params.for('payment_intent', {
      amount: 2000,
      currency: 'usd',
      payment_method_types: ['card_present'],
      capture_method: capture,
      description: '(created by opentill trigger)',
    }),
  );
}

async function present({ api, params }: Run, id: string, number: string, allowDecline = false): Promise<ApiObject> {
  try {
    return await api.call(
      'POST',
      `/opentill/v1/test/payment_intents/${id}/present_card`,
      params.for('card', { number }),
    );
  } catch (error) {
    if (allowDecline && error instanceof ApiFailure && error.status === 402) return { id };
    throw error;
  }
}

async function succeeded(run: Run): Promise<ApiObject> {
  const pi = await intent(run, 'automatic');
  return present(run, pi.id, approvedCard);
}

async function refunded(run: Run): Promise<ApiObject> {
  const pi = await succeeded(run);
  return run.api.call(
    'POST',
    '/v1/refunds',
    run.params.for('refund', { payment_intent: pi.id, reason: 'requested_by_customer' }),
  );
}

const triggerMark = { opentill_trigger: 'true' };

/** The trigger's simulated reader: found again by its metadata (not a new reader per run), idle. */
export async function triggerReader({ api, params }: Run): Promise<ApiObject> {
  const mine = (object: ApiObject) =>
    (object['metadata'] as Record<string, string> | undefined)?.['opentill_trigger'] === 'true' &&
    object['deleted'] !== true;
  const locations = (await api.call('GET', '/v1/terminal/locations?limit=100'))['data'] as ApiObject[];
  const location =
    locations.find(mine) ??
    (await api.call(
      'POST',
      '/v1/terminal/locations',
      params.for('location', {
        display_name: 'opentill trigger',
        metadata: triggerMark,
        address: { line1: '1 Main Street', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
      }),
    ));
  const readers = (await api.call('GET', `/v1/terminal/readers?location=${location.id}&limit=100`))[
    'data'
  ] as ApiObject[];
  const found = readers.find(mine);
  if (found) {
    const action = found['action'] as { status?: string } | null;
    // A run stopped half-way leaves an action in progress: the reader starts this run idle.
    if (action?.status === 'in_progress') await api.call('POST', `/v1/terminal/readers/${found.id}/cancel_action`);
    return found;
  }
  progress(`creating the simulated reader 'opentill trigger' in ${location.id}`);
  return api.call(
    'POST',
    '/v1/terminal/readers',
    params.for('reader', {
      registration_code: 'simulated-wpe',
      location: location.id,
      label: 'opentill trigger',
      metadata: triggerMark,
    }),
  );
}

async function readerAction(
  run: Run,
  action: 'process_payment_intent' | 'collect_payment_method',
  number: string,
): Promise<string> {
  const reader = await triggerReader(run);
  const pi = await intent(run, 'manual');
  await run.api.call('POST', `/v1/terminal/readers/${reader.id}/${action}`, { payment_intent: pi.id });
  return (
    await run.api.call(
      'POST',
      `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`,
      run.params.for('card', number === approvedCard ? {} : { card_present: { number }, type: 'card_present' }),
    )
  ).id;
}

async function customer({ api, params }: Run): Promise<ApiObject> {
  return api.call(
    'POST',
    '/v1/customers',
    params.for('customer', {
      email: 'trigger@example.com',
      name: 'opentill trigger',
      description: '(created by opentill trigger)',
    }),
  );
}

/** A card saved from the trigger's reader (`process_setup_intent`): a generated_card attached to a new customer. */
async function savedCard(run: Run): Promise<string> {
  const reader = await triggerReader(run);
  const owner = await customer(run);
  const setupIntent = await run.api.call(
    'POST',
    '/v1/setup_intents',
    run.params.for('setup_intent', { customer: owner.id }),
  );
  await run.api.call('POST', `/v1/terminal/readers/${reader.id}/process_setup_intent`, {
    setup_intent: setupIntent.id,
    allow_redisplay: 'always',
  });
  const done = await run.api.call(
    'POST',
    `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`,
    run.params.for('card', {}),
  );
  const action = done['action'] as { process_setup_intent?: { generated_card?: string } } | null;
  const card = action?.process_setup_intent?.generated_card;
  if (!card) throw new CliError('the reader did not save the card (process_setup_intent failed)');
  return card;
}

const flows: Record<string, Flow> = {
  'payment_intent.created': async (run) => (await intent(run, 'manual')).id,
  'payment_intent.amount_capturable_updated': async (run) =>
    (await present(run, (await intent(run, 'manual')).id, approvedCard)).id,
  'payment_intent.succeeded': async (run) => (await succeeded(run)).id,
  'payment_intent.canceled': async (run) =>
    (await run.api.call('POST', `/v1/payment_intents/${(await intent(run, 'manual')).id}/cancel`)).id,
  'payment_intent.payment_failed': async (run) => {
    const pi = await intent(run, 'manual');
    await present(run, pi.id, declinedCard, true);
    return pi.id;
  },
  'charge.succeeded': async (run) => String((await succeeded(run))['latest_charge']),
  'charge.failed': async (run) => {
    const pi = await intent(run, 'manual');
    await present(run, pi.id, declinedCard, true);
    return pi.id;
  },
  'charge.captured': async (run) => {
    const pi = await present(run, (await intent(run, 'manual')).id, approvedCard);
    return String((await run.api.call('POST', `/v1/payment_intents/${pi.id}/capture`))['latest_charge']);
  },
  'charge.updated': async (run) => {
    const pi = await succeeded(run);
    return (
      await run.api.call(
        'POST',
        `/v1/charges/${String(pi['latest_charge'])}`,
        run.params.for('charge', { description: 'updated by opentill trigger' }),
      )
    ).id;
  },
  'charge.refunded': async (run) => String((await refunded(run))['charge']),
  'refund.created': async (run) => (await refunded(run)).id,
  'refund.updated': async (run) => {
    const refund = await refunded(run);
    return (await run.api.call('POST', `/v1/refunds/${refund.id}`, { metadata: { opentill: 'trigger' } })).id;
  },
  'customer.created': async (run) => (await customer(run)).id,
  'customer.updated': async (run) =>
    (await run.api.call('POST', `/v1/customers/${(await customer(run)).id}`, { metadata: { opentill: 'trigger' } })).id,
  'customer.deleted': async (run) => (await run.api.call('DELETE', `/v1/customers/${(await customer(run)).id}`)).id,
  'payment_method.attached': (run) => savedCard(run),
  'payment_method.detached': async (run) =>
    (await run.api.call('POST', `/v1/payment_methods/${await savedCard(run)}/detach`)).id,
  'terminal.reader.action_succeeded': (run) => readerAction(run, 'process_payment_intent', approvedCard),
  'terminal.reader.action_failed': (run) => readerAction(run, 'process_payment_intent', declinedCard),
  'terminal.reader.action_updated': (run) => readerAction(run, 'collect_payment_method', approvedCard),
};

export const triggerableEvents = Object.keys(flows).sort();

export const trigger: Command = {
  name: 'trigger',
  summary: 'Make the server emit an event by running the real API flow behind it',
  usage: ['trigger <event> [options]', 'trigger --list'],
  positionalsMax: 1,
  flags: [
    { name: 'list', type: 'boolean', help: 'list the events it can trigger' },
    {
      name: 'override',
      type: 'string',
      multiple: true,
      value: 'resource:param=value',
      help: `change a parameter the flow sends (repeatable);\nresources: ${resources.join(', ')}`,
    },
    {
      name: 'add',
      type: 'string',
      multiple: true,
      value: 'resource:param=value',
      help: 'add a parameter to a request of the flow (repeatable)',
    },
    ...clientFlags,
  ],
  examples: [
    'opentill trigger payment_intent.succeeded',
    'opentill trigger payment_intent.succeeded --override payment_intent:amount=5000 --override payment_intent:currency=eur',
    'opentill trigger charge.refunded --add payment_intent:metadata.order=6735',
    'opentill trigger terminal.reader.action_succeeded',
    'opentill trigger --list',
  ],
  async run({ values, positionals }) {
    if (booleanFlag(values, 'list')) {
      process.stdout.write(
        `Events opentill trigger can produce:\n${triggerableEvents.map((name) => `  ${name}`).join('\n')}\n`,
      );
      return;
    }
    const [event] = positionals;
    if (!event)
      throw new UsageError(
        'opentill trigger: name an event, e.g. opentill trigger payment_intent.succeeded (see opentill trigger --list)',
      );
    const flow = flows[event];
    if (!flow) {
      const near = suggest(event, triggerableEvents);
      throw new UsageError(
        `opentill trigger: cannot trigger '${event}'${near ? `; did you mean ${near}?` : ''} (see opentill trigger --list)`,
      );
    }
    const params = new Params(customizations(listFlag(values, 'override'), listFlag(values, 'add')));
    const api = client(values);
    const before = new Set<string>(
      ((await api.call('GET', `/v1/events?type=${event}&limit=100`))['data'] as ApiObject[]).map((e) => e.id),
    );
    progress(`running the ${event} flow on ${api.base}`);
    let id: string;
    try {
      id = await flow({ api, params });
    } catch (error) {
      if (error instanceof ApiFailure) throw new CliError(`the ${event} flow was refused: ${error.message}`);
      throw error;
    }
    for (const resource of params.unused()) {
      process.stderr.write(
        `opentill trigger: note: nothing in the ${event} flow used the --override/--add for '${resource}'\n`,
      );
    }
    // The flow ran; check the event really came out of it.
    const after = (await api.call('GET', `/v1/events?type=${event}&limit=100`))['data'] as ApiObject[];
    const fresh = after.find((e) => !before.has(e.id));
    if (!fresh) throw new CliError(`the ${event} flow ran (${id}) but no ${event} event was emitted`);
    process.stdout.write(`${green('Trigger succeeded!')} ${event} ${fresh.id} (via ${id})\n`);
  },
};
