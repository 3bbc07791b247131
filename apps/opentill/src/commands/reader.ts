/**
 * `opentill reader` — a standalone simulated smart reader (WisePOS E / S700) on the device protocol
 * (`opentill-reader/1`, docs/reader-protocol.md): the path a hardware reader takes, end to end. It
 * runs the one device implementation (`@opentill/reader-device`) headless: it pairs (prints its
 * registration code and waits to be registered), connects with its credentials, heartbeats, answers
 * commands, auto-answers the customer's part when told to, logs its screens, and reconnects (resuming
 * its action) when the connection drops.
 */
import WebSocket from 'ws';
import {
  idleDueAtMs,
  initialDevice,
  isPersonality,
  readerProtocol,
  screenOf,
  step,
  type DeviceEvent,
  type DeviceMessage,
  type DeviceState,
  type Personality,
  type ServerFrame,
} from '@opentill/reader-device';
import { testCards } from '@opentill/processor-simulated';
import { UsageError, booleanFlag, parseInteger, stringFlag, type Command, type FlagValues } from '../cli/command.js';
import { client, clientFlags, locateServer, unreachable, type Client } from '../cli/client.js';
import { exitQuietlyOnClosedStdout } from '../cli/output.js';

export interface ReaderCredential {
  account: string;
  readerId: string;
  secret: string;
}

export function formatCredential(c: ReaderCredential): string {
  return `${c.account}/${c.readerId}/${c.secret}`;
}

export function parseCredential(value: string): ReaderCredential {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => p.length === 0))
    throw new Error('--reader-secret must look like acct_…/tmr_…/rdrsk_…');
  return { account: parts[0]!, readerId: parts[1]!, secret: parts[2]! };
}

function wsBase(apiBase: string): string {
  return apiBase.replace(/^http/, 'ws').replace(/\/$/, '');
}

/** Pairs: returns the credential once the merchant registered the code. */
export async function pair(
  apiBase: string,
  personality: Personality,
  onCode: (code: string) => void,
): Promise<ReaderCredential> {
  const ws = new WebSocket(`${wsBase(apiBase)}/opentill/v1/readers/pair`);
  return new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'pair', seq: 1, protocol: readerProtocol, personality })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === 'pairing') onCode(frame.code);
      else if (frame.type === 'paired')
        resolve({ account: frame.account, readerId: frame.reader_id, secret: frame.reader_secret });
      else if (frame.type === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error('the pairing connection closed before the reader was registered')));
  });
}

export interface RunOptions {
  apiBase: string;
  /** More addresses of the same cluster: after a dropped connection the device tries the next one in turn. */
  fallbacks?: string[];
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
  // A node that died takes its connections with it: the next attempt goes to the next address (a
  // load balancer's address alone also works: it sends the new connection to a live node).
  const addresses = [options.apiBase, ...(options.fallbacks ?? [])];
  let failures = 0;
  for (let attempt = 0; ; attempt += 1) {
    const apiBase = addresses[attempt % addresses.length]!;
    const result = await connectOnce(
      { ...options, apiBase },
      () => state,
      (next) => {
        state = next;
      },
    );
    if (result.fatal) throw new Error(result.reason);
    // The backoff starts again after a connection that was welcomed.
    failures = result.welcomed ? 0 : failures + 1;
    const delayMs = failures === 0 ? 250 : Math.min(5000, 250 * 2 ** Math.min(failures, 5));
    const nextBase = addresses[(attempt + 1) % addresses.length]!;
    options.log(
      `connection closed (${result.reason}); reconnecting${addresses.length > 1 ? ` to ${nextBase}` : ''} in ${delayMs} ms`,
    );
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

function connectOnce(
  options: RunOptions,
  get: () => DeviceState,
  set: (state: DeviceState) => void,
): Promise<{ fatal: boolean; welcomed: boolean; reason: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsBase(options.apiBase)}/opentill/v1/readers/connect`);
    let seq = 0;
    let heartbeat: NodeJS.Timeout | null = null;
    let fatal: { code: string; message: string } | null = null;
    let welcomed = false;
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
      scheduleIdle();
      return result.outgoing;
    };
    // The result screen goes back to the splash by itself (the device says when): tick then.
    let idleTimer: NodeJS.Timeout | null = null;
    function scheduleIdle(): void {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
      const due = idleDueAtMs(get());
      if (due !== null)
        idleTimer = setTimeout(
          () => {
            idleTimer = null;
            apply({ kind: 'tick' });
          },
          Math.max(0, due - Date.now()),
        );
    }
    const autoAnswer = () => {
      const state = get();
      if (state.phase === 'collect' && options.autoPresent) {
        apply({
          kind: 'input',
          input: { type: 'present_card', number: options.autoPresent, read_method: 'contactless_emv', wallet: null },
        });
      }
    };
    ws.on('open', () => {
      const current = get();
      send({
        type: 'hello',
        protocol: readerProtocol,
        account: options.credential.account,
        reader_id: options.credential.readerId,
        secret: options.credential.secret,
        action_id:
          current.action && ['collect', 'tip', 'pin', 'processing', 'inputs', 'cart'].includes(current.phase)
            ? current.action.id
            : null,
      });
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      switch (frame.type) {
        case 'welcome':
          welcomed = true;
          options.log(
            `connected as ${frame.reader_id} (${readerProtocol})${options.fallbacks?.length ? ` to ${options.apiBase}` : ''}`,
          );
          heartbeat = setInterval(() => send({ type: 'heartbeat' }), frame.heartbeat_interval_ms);
          apply({ kind: 'connection', online: true });
          return;
        case 'command': {
          send({ type: 'ack', command_id: frame.command_id });
          const outgoing: DeviceEvent[] = apply({ kind: 'command', command: frame.command });
          if (frame.command.type === 'action')
            options.log(`action ${frame.command.action.type} ${frame.command.action.id}`);
          if (frame.command.type === 'action_update')
            options.log(
              `action ${frame.command.action_id} ${frame.command.status}${frame.command.message ? `: ${frame.command.message}` : ''}`,
            );
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
      if (idleTimer) clearTimeout(idleTimer);
      const permanent =
        fatal !== null &&
        [
          'unknown_reader',
          'reader_revoked',
          'unauthenticated',
          'unsupported_protocol',
          'replaced_by_new_connection',
        ].includes(fatal.code);
      resolve({
        fatal: permanent,
        welcomed,
        reason: fatal ? `${fatal.code}: ${fatal.message}` : `${code} ${reason.toString()}`,
      });
    });
  });
}

/** `--pin`: the PIN the device types itself (default the test PIN 1234), or null (`none`): its PIN pad waits for a person. */
export function readerPin(value: string | undefined): string | null {
  return value === 'none' ? null : (value ?? '1234');
}

/** A screen URL for a reader (a screen session), or null when the server refuses (no key, unknown reader). */
export async function screenUrl(api: Client, readerId: string): Promise<string> {
  const session = await api.call(
    'POST',
    `/opentill/v1/terminal/readers/${encodeURIComponent(readerId)}/screen_sessions`,
  );
  return String(session['url']);
}

function optionalClient(values: FlagValues): Client | null {
  try {
    return client(values);
  } catch {
    return null;
  }
}

export const reader: Command = {
  name: 'reader',
  summary: 'Run a simulated smart reader (WisePOS E / S700) that connects like a real one',
  usage: [
    'reader --pair [options]                 pair a new reader, then run it',
    'reader --reader-secret <credential> [options]   run a paired reader again',
  ],
  description:
    'Pairing prints a registration code; register it with a location (the command to do so is\n' +
    'printed), and the reader connects, then prints its virtual screen URL.',
  flags: [
    { name: 'pair', type: 'boolean', help: 'pair a new reader' },
    {
      name: 'reader-secret',
      type: 'string',
      value: 'credential',
      help: 'the credential printed after pairing (acct_…/tmr_…/rdrsk_…)',
    },
    { name: 'personality', type: 'string', value: 'p', help: 'wisepos_e (default) or s700' },
    {
      name: 'auto-present',
      type: 'string',
      value: 'number',
      help: 'present this test card whenever the reader asks for a card',
    },
    {
      name: 'pin',
      type: 'string',
      value: 'digits|none',
      help: "type this PIN when a card asks for one (default 1234); none: show\nthe PIN pad and wait for a PIN typed on the reader's screen",
    },
    {
      name: 'tip',
      type: 'string',
      value: 'amount',
      help: 'choose this tip (minor units) when the reader offers tipping',
    },
    { name: 'quiet', short: 'q', type: 'boolean', help: 'do not log screens' },
    {
      name: 'fallback',
      type: 'string',
      multiple: true,
      value: 'url',
      help: 'another node of the same cluster: when the connection drops, the reader\ntries the next address in turn (repeatable; docs/cluster-running.md)',
    },
    ...clientFlags,
  ],
  examples: [
    'opentill reader --pair',
    'opentill reader --pair --personality s700 --auto-present 4242424242424242',
    'opentill reader --reader-secret acct_…/tmr_…/rdrsk_… --pin none',
    'opentill reader --reader-secret acct_…/tmr_…/rdrsk_… --api-base http://10.0.0.11:4242 --fallback http://10.0.0.12:4242',
  ],
  async run({ values }) {
    const pairing = booleanFlag(values, 'pair') ?? false;
    const secretText = stringFlag(values, 'reader-secret');
    if (!pairing && !secretText)
      throw new UsageError(
        'opentill reader: pass --pair (a new reader) or --reader-secret <credential> (see opentill reader --help)',
      );
    if (pairing && secretText) throw new UsageError('opentill reader: --pair and --reader-secret exclude each other');
    const personality = stringFlag(values, 'personality') ?? 'wisepos_e';
    if (!isPersonality(personality)) throw new UsageError(`--personality: '${personality}' is not wisepos_e or s700`);
    const autoPresent = stringFlag(values, 'auto-present');
    if (autoPresent !== undefined && !/^\d{12,19}$/.test(autoPresent))
      throw new UsageError(`--auto-present: '${autoPresent}' is not a card number (e.g. 4242424242424242)`);
    const pin = stringFlag(values, 'pin');
    if (pin !== undefined && pin !== 'none' && !/^\d{4,12}$/.test(pin))
      throw new UsageError(`--pin: '${pin}' is not 4 to 12 digits, or none`);
    const tip = stringFlag(values, 'tip');
    const tipAmount = tip !== undefined ? parseInteger(tip, '--tip', 0, 99_999_999) : null;
    const fallbacks = (values['fallback'] as string[] | undefined) ?? [];
    for (const fallback of fallbacks) {
      if (!/^https?:\/\/[^\s/]+\/?$/.test(fallback))
        throw new UsageError(`--fallback: '${fallback.slice(0, 80)}' is not an http(s)://host:port address`);
    }
    let credential: ReaderCredential | null = null;
    if (secretText) {
      try {
        credential = parseCredential(secretText);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    }
    exitQuietlyOnClosedStdout();
    const target = locateServer(values);
    const api = optionalClient(values);
    const apiBase = target.base;
    const log = (line: string) => process.stdout.write(`${line}\n`);
    if (!credential) {
      const key = api?.key ?? 'sk_test_…';
      try {
        credential = await pair(apiBase, personality, (code) => {
          log(`Registration code: ${code}`);
          log('Register it with a location (a reader lives in one). No location yet? Create one:');
          log(`  curl ${apiBase}/v1/terminal/locations -u ${key}: -d display_name=Shop \\`);
          log('    -d "address[line1]=1 Main Street" -d "address[city]=San Francisco" -d "address[state]=CA" \\');
          log('    -d "address[postal_code]=94111" -d "address[country]=US"');
          log("Then register the reader with the location's id (tml_…):");
          log(`  curl ${apiBase}/v1/terminal/readers -u ${key}: -d registration_code=${code} -d location=tml_…`);
          log('Waiting for the registration…');
        });
      } catch (error) {
        if (
          (error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ||
          /ECONNREFUSED|ENOTFOUND/.test((error as Error).message)
        ) {
          throw unreachable(target, error);
        }
        throw error;
      }
      log(`Paired as ${credential.readerId}. Run it again later with:`);
      log(`  opentill reader --reader-secret ${formatCredential(credential)}`);
    }
    if (api) {
      try {
        log(`Screen: ${await screenUrl(api, credential.readerId)}`);
      } catch {
        log(`Screen: opentill screen ${credential.readerId} --api-key sk_test_…`);
      }
    } else {
      log(`Screen: opentill screen ${credential.readerId} --api-key sk_test_…`);
    }
    await runReader({
      apiBase,
      fallbacks,
      credential,
      personality,
      autoPresent: autoPresent ?? null,
      pin: readerPin(pin),
      tip: tipAmount,
      log,
      logScreens: !(booleanFlag(values, 'quiet') ?? false),
    });
  },
};
