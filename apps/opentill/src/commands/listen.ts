/**
 * `opentill listen`: like `stripe listen`. Connects to a running OpenTill (the Server-Sent Events
 * stream `GET /opentill/v1/events/stream`, authenticated by the secret key), receives the account's
 * events as they are committed and, with `--forward-to`, POSTs each one there signed with the
 * account's stable CLI secret, printing one line per event with the receiver's answer. Reconnects
 * with capped exponential backoff when the server goes away; stops quietly when stdout closes.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signatureHeader, webhookContentType, webhookUserAgent } from '@opentill/engine';
import { CliError, UsageError, booleanFlag, parseDuration, stringFlag, type Command } from '../cli/command.js';
import { client, clientFlags, unreachable, type Client } from '../cli/client.js';
import { dim, exitQuietlyOnClosedStdout, green, red } from '../cli/output.js';
import { sseMessages } from '../sse-client.js';

/** Reconnection backoff: doubles from the first delay up to the cap; a good connection starts it over. */
export const reconnectDelayFirstMs = 1000;
export const reconnectDelayCapMs = 30_000;

export function reconnectDelayMs(failures: number): number {
  return Math.min(reconnectDelayCapMs, reconnectDelayFirstMs * 2 ** Math.min(failures, 16));
}

/** `localhost:3000/webhook` (Stripe's docs' form) means http://localhost:3000/webhook. */
export function forwardUrl(text: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text.replace(/^\/\//, '')}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(
      `--forward-to: '${text}' is not a URL (e.g. localhost:3000/webhook or https://example.test/hook)`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--forward-to: '${text}' must be http:// or https://`);
  return url;
}

/** `--headers "Key: Value,Key2: Value2"` (the Stripe CLI's form). */
export function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of text.split(/,(?=\s*[!#$%&'*+.^_`|~\w-]+\s*:)/)) {
    const match = /^\s*([!#$%&'*+.^_`|~\w-]+)\s*:\s*(.*?)\s*$/.exec(part);
    if (!match || /[\r\n]/.test(match[2]!))
      throw new UsageError(
        `--headers: '${part.trim()}' is not "Name: value" (e.g. --headers "X-Env: test,X-Team: pos")`,
      );
    headers[match[1]!] = match[2]!;
  }
  return headers;
}

interface ForwardOptions {
  url: URL;
  secret: string;
  timeoutMs: number;
  skipVerify: boolean;
  headers: Record<string, string>;
}

/** One POST to the receiver; node:http(s) rather than fetch so `--skip-verify` can accept any certificate. */
function forward(
  options: ForwardOptions,
  body: string,
): Promise<{ status: number | null; ms: number; error: string | null }> {
  const started = performance.now();
  const send = options.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(
      options.url,
      {
        method: 'POST',
        headers: {
          ...options.headers,
          'Content-Type': webhookContentType,
          'User-Agent': webhookUserAgent,
          'Stripe-Signature': signatureHeader([options.secret], Math.floor(Date.now() / 1000), body),
          'Content-Length': Buffer.byteLength(body),
        },
        timeout: options.timeoutMs,
        ...(options.url.protocol === 'https:' ? { rejectUnauthorized: !options.skipVerify } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? null, ms: Math.round(performance.now() - started), error: null }),
        );
        response.on('error', (error) =>
          resolve({ status: null, ms: Math.round(performance.now() - started), error: error.message }),
        );
      },
    );
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'TIMEOUT' })),
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve({
        status: null,
        ms: Math.round(performance.now() - started),
        error: `${error.code ?? error.name}: ${error.message}`,
      });
    });
    request.end(body);
  });
}

function timeOfDay(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

type StreamMessage = { name: string; payload: Record<string, unknown> };

/** Reads one SSE connection, calling `onMessage` per message; resolves when the stream ends. */
async function readStream(
  api: Client,
  query: string,
  signal: AbortSignal,
  onMessage: (message: StreamMessage) => void,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${api.base}/opentill/v1/events/stream${query}`, {
      headers: { Authorization: `Bearer ${api.key}`, Accept: 'text/event-stream' },
      signal,
    });
  } catch (error) {
    if (signal.aborted) return;
    throw Object.assign(unreachable(api.target, error), { retry: true });
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      /* raw */
    }
    // Authentication and bad filters will not fix themselves: stop.
    if (response.status >= 400 && response.status < 500)
      throw new CliError(`${api.base} refused the event stream (HTTP ${response.status}): ${message}`);
    throw Object.assign(new CliError(`${api.base} answered HTTP ${response.status}`), { retry: true });
  }
  try {
    for await (const message of sseMessages(response.body as unknown as AsyncIterable<Uint8Array>)) {
      onMessage({ name: message.event, payload: JSON.parse(message.data) as Record<string, unknown> });
    }
  } catch (error) {
    if (!signal.aborted)
      throw Object.assign(new CliError(`the stream from ${api.base} broke (${(error as Error).message})`), {
        retry: true,
      });
  }
}

export const listen: Command = {
  name: 'listen',
  summary: "Receive the account's events as they happen; forward them to your webhook handler",
  usage: ['listen [--forward-to <url>] [options]', 'listen --print-secret'],
  description:
    'Each event is POSTed to --forward-to signed like a Stripe webhook with a stable secret\n' +
    '(verify it with stripe.webhooks.constructEvent). Without --forward-to, events are printed only.',
  flags: [
    {
      name: 'forward-to',
      short: 'f',
      type: 'string',
      value: 'url',
      help: 'POST each event here (localhost:3000/webhook means http://…)',
    },
    { name: 'events', short: 'e', type: 'string', value: 'a,b', help: 'only these event types (default: all)' },
    {
      name: 'headers',
      short: 'H',
      type: 'string',
      value: '"K: v,K2: v2"',
      help: 'extra headers on each forwarded request',
    },
    {
      name: 'forward-timeout',
      type: 'string',
      value: 'duration',
      help: 'how long to wait for the receiver (default 10s)',
    },
    { name: 'skip-verify', type: 'boolean', help: 'accept any TLS certificate from an https:// --forward-to' },
    {
      name: 'format',
      type: 'string',
      value: 'json',
      help: 'json: print each event as one JSON line (forward results go to stderr)',
    },
    { name: 'print-secret', type: 'boolean', help: 'print the webhook signing secret and exit' },
    ...clientFlags,
  ],
  examples: [
    'opentill listen --forward-to localhost:3000/webhook',
    'opentill listen -f https://localhost:8443/hook --skip-verify --events payment_intent.succeeded,charge.refunded',
    'opentill listen --format json | head -1',
    'export STRIPE_WEBHOOK_SECRET=$(opentill listen --print-secret)',
  ],
  async run({ values }) {
    const target = stringFlag(values, 'forward-to');
    const url = target !== undefined ? forwardUrl(target) : null;
    const format = stringFlag(values, 'format');
    if (format !== undefined && format.toLowerCase() !== 'json')
      throw new UsageError(`--format: '${format}' is not supported; use --format json`);
    const json = format !== undefined;
    const timeoutMs = parseDuration(stringFlag(values, 'forward-timeout') ?? '10s', '--forward-timeout', {
      minMs: 1,
      maxMs: 10 * 60_000,
    });
    const headersText = stringFlag(values, 'headers');
    const headers = headersText !== undefined ? parseHeaders(headersText) : {};
    const skipVerify = booleanFlag(values, 'skip-verify') ?? false;
    const printSecret = booleanFlag(values, 'print-secret') ?? false;
    const events = stringFlag(values, 'events');
    const api = client(values);
    const query = events ? `?events=${encodeURIComponent(events)}` : '';
    exitQuietlyOnClosedStdout();

    const stopping = new AbortController();
    process.on('SIGINT', () => stopping.abort());
    process.on('SIGTERM', () => stopping.abort());
    const print = (line: string) => process.stdout.write(`${line}\n`);
    const note = json ? (line: string) => process.stderr.write(`${line}\n`) : print;

    let announced = false;
    let failures = 0;
    let queue: Promise<void> = Promise.resolve();
    while (!stopping.signal.aborted) {
      let secret = '';
      try {
        await readStream(api, query, stopping.signal, ({ name, payload }) => {
          if (name === 'ready') {
            secret = String(payload['secret']);
            failures = 0;
            if (printSecret) {
              print(secret);
              stopping.abort();
            } else if (!announced) {
              note(`Ready! Your webhook signing secret is ${secret} (^C to quit)`);
              announced = true;
            } else {
              note(`${timeOfDay()}   reconnected to ${api.base}`);
            }
            return;
          }
          if (name !== 'event') return;
          const label = `${String(payload['type'])} [${String(payload['id'])}]`;
          if (json) print(JSON.stringify(payload));
          if (!url) {
            if (!json) print(`${timeOfDay()}   --> ${label}`);
            return;
          }
          const signingSecret = secret;
          const body = JSON.stringify(payload);
          // In order, one at a time: the receiver sees events in commit order.
          queue = queue.then(async () => {
            const result = await forward({ url, secret: signingSecret, timeoutMs, skipVerify, headers }, body);
            const status =
              result.status !== null
                ? `[${(result.status >= 200 && result.status < 300 ? green : red)(String(result.status))}] (${result.ms} ms)`
                : `[${red('ERROR')}] ${result.error ?? ''}`;
            note(`${dim(timeOfDay())}   --> ${label}   <-- ${status} POST ${url.toString()}`);
          });
        });
        if (!stopping.signal.aborted) note(`${timeOfDay()}   connection to ${api.base} lost`);
      } catch (error) {
        if (stopping.signal.aborted) break;
        if (!(error as { retry?: boolean }).retry || printSecret) throw error;
        note(`${timeOfDay()}   ${(error as Error).message}`);
      }
      if (stopping.signal.aborted) break;
      const delayMs = reconnectDelayMs(failures);
      failures += 1;
      note(`${timeOfDay()}   retrying in ${delayMs / 1000}s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        stopping.signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
    await queue;
  },
};
