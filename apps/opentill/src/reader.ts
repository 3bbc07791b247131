/**
 * `opentill reader` — a standalone simulated smart reader (WisePOS E / S700) on the device protocol
 * (`opentill-reader/1`, docs/reader-protocol.md): the path a hardware reader takes, end to end. It
 * runs the one device implementation (`@opentill/reader-device`) headless: it pairs (prints its
 * registration code and waits to be registered), connects with its credentials, heartbeats, answers
 * commands, auto-answers the customer's part when told to, logs its screens, and reconnects (resuming
 * its action) when the connection drops.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import {
  initialDevice, isPersonality, readerProtocol, screenOf, step, type DeviceEvent, type DeviceMessage, type DeviceState, type Personality,
  type ServerFrame,
} from '@opentill/reader-device';
import { testCards } from '@opentill/processor-simulated';

export const readerUsage = `Usage: opentill reader --pair [options]      pair a new simulated reader, then run it
       opentill reader --reader-secret <cred> [options]   run a paired reader again

Options:
  --api-base <url>        OpenTill server (default http://127.0.0.1:4242, env OPENTILL_API_BASE)
  --personality <p>       wisepos_e (default) or s700
  --reader-secret <cred>  the credential printed after pairing (acct_…/tmr_…/rdrsk_…)
  --auto-present <number> present this test card whenever the reader asks for a card
  --pin <digits>|none     type this PIN when a card asks for one (default 1234); none: show the PIN pad
                          and wait for the PIN typed on the reader's screen (a screen viewer)
  --tip <amount>          choose this tip (minor units) when the reader offers tipping
  --quiet                 do not log screens
`;

export interface ReaderCredential { account: string; readerId: string; secret: string }

export function formatCredential(c: ReaderCredential): string {
  return `${c.account}/${c.readerId}/${c.secret}`;
}

export function parseCredential(value: string): ReaderCredential {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) throw new Error('--reader-secret must look like acct_…/tmr_…/rdrsk_…');
  return { account: parts[0]!, readerId: parts[1]!, secret: parts[2]! };
}

function wsBase(apiBase: string): string {
  return apiBase.replace(/^http/, 'ws').replace(/\/$/, '');
}

/** Pairs: returns the credential once the merchant registered the code. */
export async function pair(apiBase: string, personality: Personality, onCode: (code: string) => void): Promise<ReaderCredential> {
  const ws = new WebSocket(`${wsBase(apiBase)}/opentill/v1/readers/pair`);
  return new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'pair', seq: 1, protocol: readerProtocol, personality })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === 'pairing') onCode(frame.code);
      else if (frame.type === 'paired') resolve({ account: frame.account, readerId: frame.reader_id, secret: frame.reader_secret });
      else if (frame.type === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error('the pairing connection closed before the reader was registered')));
  });
}

export interface RunOptions {
  apiBase: string;
  credential: ReaderCredential;
  personality: Personality;
  autoPresent: string | null;
  pin: string | null;
  tip: number | null;
  log: (line: string) => void;
  logScreens: boolean;
}

/** Runs the device until a fatal error; reconnects (and resumes its action) after a dropped connection. */
export async function runReader(options: RunOptions): Promise<never> {
  let state: DeviceState = initialDevice({
    personality: options.personality,
    cards: testCards.map((c) => ({ number: c.number, name: c.testCard, label: c.label, brand: c.brand })),
    presets: { pin: options.pin, tip: options.tip },
  });
  for (let attempt = 0; ; attempt += 1) {
    const result = await connectOnce(options, () => state, (next) => { state = next; });
    if (result.fatal) throw new Error(result.reason);
    const delayMs = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
    options.log(`connection closed (${result.reason}); reconnecting in ${delayMs} ms`);
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

function connectOnce(options: RunOptions, get: () => DeviceState, set: (state: DeviceState) => void):
  Promise<{ fatal: boolean; reason: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsBase(options.apiBase)}/opentill/v1/readers/connect`);
    let seq = 0;
    let heartbeat: NodeJS.Timeout | null = null;
    let fatal: { code: string; message: string } | null = null;
    const send = (frame: Record<string, unknown>) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ ...frame, seq: ++seq }));
    };
    const apply = (message: DeviceMessage) => {
      const result = step(get(), message, Date.now());
      if (result.rejected) options.log(`input rejected: ${result.rejected}`);
      const changed = JSON.stringify(result.screen) !== JSON.stringify(screenOf(get()));
      set(result.state);
      for (const event of result.outgoing) send({ type: 'event', event });
      if (changed || result.outgoing.length > 0) {
        send({ type: 'screen', state: result.screen });
        if (options.logScreens) {
          const { screen, ...rest } = result.screen;
          const shown = 'cards' in rest ? { ...rest, cards: `${rest.cards.length} test cards` } : rest;
          options.log(`screen ${screen} ${JSON.stringify(shown).slice(0, 300)}`);
        }
      }
      return result.outgoing;
    };
    const autoAnswer = () => {
      const state = get();
      if (state.phase === 'collect' && options.autoPresent) {
        apply({ kind: 'input', input: { type: 'present_card', number: options.autoPresent, read_method: 'contactless_emv', wallet: null } });
      }
    };
    ws.on('open', () => {
      const current = get();
      send({ type: 'hello', protocol: readerProtocol, account: options.credential.account, reader_id: options.credential.readerId,
        secret: options.credential.secret, action_id: current.action && ['collect', 'tip', 'pin', 'processing', 'inputs', 'cart'].includes(current.phase)
          ? current.action.id : null });
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      switch (frame.type) {
        case 'welcome':
          options.log(`connected as ${frame.reader_id} (${readerProtocol})`);
          heartbeat = setInterval(() => send({ type: 'heartbeat' }), frame.heartbeat_interval_ms);
          apply({ kind: 'connection', online: true });
          return;
        case 'command': {
          send({ type: 'ack', command_id: frame.command_id });
          const outgoing: DeviceEvent[] = apply({ kind: 'command', command: frame.command });
          if (frame.command.type === 'action') options.log(`action ${frame.command.action.type} ${frame.command.action.id}`);
          if (frame.command.type === 'action_update') options.log(`action ${frame.command.action_id} ${frame.command.status}${frame.command.message ? `: ${frame.command.message}` : ''}`);
          if (outgoing.length === 0) autoAnswer();
          return;
        }
        case 'customer_input':
          apply({ kind: 'input', input: frame.input });
          return;
        case 'event_result':
          if (!frame.ok) options.log(`event ${frame.seq} refused: ${frame.error?.code} ${frame.error?.message}`);
          return;
        case 'error':
          options.log(`error ${frame.code}: ${frame.message}`);
          if (frame.fatal) fatal = { code: frame.code, message: frame.message };
          return;
        default:
          return;
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      if (heartbeat) clearInterval(heartbeat);
      const permanent = fatal !== null && ['unknown_reader', 'reader_revoked', 'unauthenticated', 'unsupported_protocol',
        'replaced_by_new_connection'].includes(fatal.code);
      resolve({ fatal: permanent, reason: fatal ? `${fatal.code}: ${fatal.message}` : `${code} ${reason.toString()}` });
    });
  });
}

/** `--pin`: the PIN the device types itself (default the test PIN 1234), or null (`none`): its PIN pad waits for a person. */
export function readerPin(value: string | undefined): string | null {
  return value === 'none' ? null : value ?? '1234';
}

export async function reader(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pair: { type: 'boolean' }, 'api-base': { type: 'string' }, personality: { type: 'string' },
      'reader-secret': { type: 'string' }, 'auto-present': { type: 'string' }, pin: { type: 'string' },
      tip: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help || (!values.pair && !values['reader-secret'])) { process.stdout.write(readerUsage); return; }
  const personality = values.personality ?? 'wisepos_e';
  if (!isPersonality(personality)) throw new Error('--personality must be wisepos_e or s700');
  if (values['auto-present'] !== undefined && !/^\d{12,19}$/.test(values['auto-present'])) throw new Error('--auto-present takes a card number');
  if (values.pin !== undefined && values.pin !== 'none' && !/^\d{4,12}$/.test(values.pin)) throw new Error('--pin takes 4 to 12 digits, or none');
  if (values.tip !== undefined && !/^\d{1,8}$/.test(values.tip)) throw new Error('--tip takes an amount in minor units');
  const apiBase = values['api-base'] ?? process.env['OPENTILL_API_BASE'] ?? 'http://127.0.0.1:4242';
  const log = (line: string) => process.stdout.write(`${line}\n`);
  let credential: ReaderCredential;
  if (values['reader-secret']) {
    credential = parseCredential(values['reader-secret']);
  } else {
    credential = await pair(apiBase, personality, (code) => {
      log(`Registration code: ${code}`);
      log(`Register it: curl ${apiBase}/v1/terminal/readers -u sk_test_…: -d registration_code=${code} -d location=tml_…`);
    });
    log(`Paired as ${credential.readerId}. Reconnect later with: opentill reader --reader-secret ${formatCredential(credential)}`);
  }
  await runReader({
    apiBase, credential, personality, autoPresent: values['auto-present'] ?? null, pin: readerPin(values.pin),
    tip: values.tip !== undefined ? Number(values.tip) : null, log, logScreens: !values.quiet,
  });
}
