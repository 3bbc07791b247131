/**
 * `opentill trigger <event>`: runs the real API flow that makes a running OpenTill emit that event
 * (other events of the flow come too, as with `stripe trigger`); `--list` shows what it can
 * trigger. Terminal flows use a simulated reader (`simulated-wpe`) in a location created once.
 */
import { parseArgs } from 'node:util';
import { client, clientOptions, clientUsage, type ApiObject, type Client } from './cli-client.js';

export const triggerUsage = `Usage: opentill trigger <event> [options] | opentill trigger --list
${clientUsage}`;

type Flow = (api: Client) => Promise<string>;

const card = { number: '4242424242424242' };
const declined = { number: '4000000000000002' };

async function intent(api: Client, capture: 'manual' | 'automatic', extra: Record<string, unknown> = {}): Promise<ApiObject> {
  return api.call('POST', '/v1/payment_intents', {
    amount: 2000, currency: 'usd', payment_method_types: ['card_present'], capture_method: capture,
    description: '(created by opentill trigger)', ...extra,
  });
}

async function present(api: Client, id: string, read: Record<string, unknown>, allowDecline = false): Promise<ApiObject> {
  try {
    return await api.call('POST', `/opentill/v1/test/payment_intents/${id}/present_card`, read);
  } catch (error) {
    if (allowDecline && (error as { status?: number }).status === 402) return { id: id };
    throw error;
  }
}

async function succeeded(api: Client): Promise<ApiObject> {
  const pi = await intent(api, 'automatic');
  return present(api, pi.id, card);
}

async function refunded(api: Client): Promise<ApiObject> {
  const pi = await succeeded(api);
  return api.call('POST', '/v1/refunds', { payment_intent: pi.id, reason: 'requested_by_customer' });
}

async function readerFor(api: Client): Promise<ApiObject> {
  const locations = await api.call('GET', '/v1/terminal/locations?limit=100');
  let location = (locations['data'] as ApiObject[]).find((l) => l['display_name'] === 'opentill trigger');
  location ??= await api.call('POST', '/v1/terminal/locations', {
    display_name: 'opentill trigger',
    address: { line1: '1 Main Street', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
  });
  return api.call('POST', '/v1/terminal/readers', { registration_code: 'simulated-wpe', location: location.id, label: 'opentill trigger' });
}

const flows: Record<string, Flow> = {
  'payment_intent.created': async (api) => (await intent(api, 'manual')).id,
  'payment_intent.amount_capturable_updated': async (api) => (await present(api, (await intent(api, 'manual')).id, card)).id,
  'payment_intent.succeeded': async (api) => (await succeeded(api)).id,
  'payment_intent.canceled': async (api) => (await api.call('POST', `/v1/payment_intents/${(await intent(api, 'manual')).id}/cancel`)).id,
  'payment_intent.payment_failed': async (api) => {
    const pi = await intent(api, 'manual');
    await present(api, pi.id, declined, true);
    return pi.id;
  },
  'charge.succeeded': async (api) => String((await succeeded(api))['latest_charge']),
  'charge.failed': async (api) => {
    const pi = await intent(api, 'manual');
    await present(api, pi.id, declined, true);
    return pi.id;
  },
  'charge.captured': async (api) => {
    const pi = await present(api, (await intent(api, 'manual')).id, card);
    return String((await api.call('POST', `/v1/payment_intents/${pi.id}/capture`))['latest_charge']);
  },
  'charge.updated': async (api) => {
    const pi = await succeeded(api);
    return (await api.call('POST', `/v1/charges/${String(pi['latest_charge'])}`, { description: 'updated by opentill trigger' })).id;
  },
  'charge.refunded': async (api) => String((await refunded(api))['charge']),
  'refund.created': async (api) => (await refunded(api)).id,
  'refund.updated': async (api) => {
    const refund = await refunded(api);
    return (await api.call('POST', `/v1/refunds/${refund.id}`, { metadata: { opentill: 'trigger' } })).id;
  },
  'terminal.reader.action_succeeded': async (api) => {
    const reader = await readerFor(api);
    const pi = await intent(api, 'manual');
    await api.call('POST', `/v1/terminal/readers/${reader.id}/process_payment_intent`, { payment_intent: pi.id });
    return (await api.call('POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`)).id;
  },
  'terminal.reader.action_failed': async (api) => {
    const reader = await readerFor(api);
    const pi = await intent(api, 'manual');
    await api.call('POST', `/v1/terminal/readers/${reader.id}/process_payment_intent`, { payment_intent: pi.id });
    return (await api.call('POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`, {
      card_present: { number: declined.number }, type: 'card_present',
    })).id;
  },
  'terminal.reader.action_updated': async (api) => {
    const reader = await readerFor(api);
    const pi = await intent(api, 'manual');
    await api.call('POST', `/v1/terminal/readers/${reader.id}/collect_payment_method`, { payment_intent: pi.id });
    return (await api.call('POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`)).id;
  },
};

export const triggerableEvents = Object.keys(flows).sort();

export async function trigger(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, options: { list: { type: 'boolean' }, help: { type: 'boolean' }, ...clientOptions }, allowPositionals: true, strict: true,
  });
  if (values.help) { process.stdout.write(`${triggerUsage}\n`); return; }
  if (values.list) {
    process.stdout.write(`Events opentill trigger can produce:\n${triggerableEvents.map((name) => `  ${name}`).join('\n')}\n`);
    return;
  }
  const [event, ...extra] = positionals;
  if (!event || extra.length > 0) throw new Error(`name one event\n${triggerUsage}`);
  const flow = flows[event];
  if (!flow) throw new Error(`cannot trigger '${event}'; see opentill trigger --list`);
  const api = client(values);
  const before = new Set<string>(((await api.call('GET', `/v1/events?type=${event}&limit=100`))['data'] as ApiObject[]).map((e) => e.id));
  const id = await flow(api);
  // The flow ran; check the event really came out of it.
  const after = (await api.call('GET', `/v1/events?type=${event}&limit=100`))['data'] as ApiObject[];
  const fresh = after.find((e) => !before.has(e.id));
  if (!fresh) throw new Error(`the ${event} flow ran (${id}) but no ${event} event was emitted`);
  process.stdout.write(`Trigger succeeded! ${event} ${fresh.id} (via ${id})\n`);
}
