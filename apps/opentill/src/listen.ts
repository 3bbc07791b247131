/**
 * `opentill listen --forward-to URL`: like `stripe listen`. Connects to a running OpenTill (the
 * Server-Sent Events stream `GET /opentill/v1/events/stream`, authenticated by the secret key),
 * receives the account's events as they are committed, and forwards each one to URL signed with
 * the account's stable CLI secret (printed at start), printing one line per event with the
 * receiver's answer. No public URL and no webhook endpoint are needed. Reconnects if the server
 * goes away. Events are the ones committed by the server process it is connected to.
 */
import { parseArgs } from 'node:util';
import { signatureHeader, webhookContentType, webhookUserAgent } from '@opentill/engine';
import { client, clientOptions, clientUsage } from './cli-client.js';

export const listenUsage = `Usage: opentill listen --forward-to <url> [options]
  --forward-to <url>    where to POST each event (required)
  --events <a,b>        only these event types (default: all)
  --forward-timeout <s> seconds to wait for the receiver (default 10)
${clientUsage}`;

const reconnectDelayMs = 1000;

function timeOfDay(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

async function forward(url: string, secret: string, event: Record<string, unknown>, timeoutMs: number): Promise<string> {
  const body = JSON.stringify(event);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': webhookContentType,
        'User-Agent': webhookUserAgent,
        'Stripe-Signature': signatureHeader([secret], Math.floor(Date.now() / 1000), body),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return `[${response.status}] (${Math.round(performance.now() - started)} ms)`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return `[ERROR] ${cause ?? (error as Error).name}: ${(error as Error).message}`;
  }
}

export async function listen(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'forward-to': { type: 'string' }, events: { type: 'string' }, 'forward-timeout': { type: 'string' },
      help: { type: 'boolean' }, ...clientOptions,
    },
    strict: true,
  });
  if (values.help) { process.stdout.write(`${listenUsage}\n`); return; }
  const target = values['forward-to'];
  if (!target) throw new Error(`--forward-to is required\n${listenUsage}`);
  try {
    const parsed = new URL(target);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new Error(`--forward-to: invalid URL '${target}'`);
  }
  const timeoutMs = Number(values['forward-timeout'] ?? 10) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error('--forward-timeout: a positive number of seconds');
  const api = client(values);
  const query = values.events ? `?events=${encodeURIComponent(values.events)}` : '';
  const stopping = new AbortController();
  process.on('SIGINT', () => stopping.abort());
  process.on('SIGTERM', () => stopping.abort());

  let announced = false;
  let queue: Promise<void> = Promise.resolve();
  while (!stopping.signal.aborted) {
    try {
      const response = await fetch(`${api.base}/opentill/v1/events/stream${query}`, {
        headers: { Authorization: `Bearer ${api.key}`, Accept: 'text/event-stream' },
        signal: stopping.signal,
      });
      if (!response.ok || !response.body) {
        const text = await response.text();
        let message = text;
        try { message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text; } catch { /* raw */ }
        // Authentication and bad filters will not fix themselves: stop.
        if (response.status >= 400 && response.status < 500) throw new Error(`HTTP ${response.status}: ${message}`);
        throw Object.assign(new Error(`HTTP ${response.status}`), { retry: true });
      }
      let secret = '';
      let buffer = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name = 'message';
          let data = '';
          for (const line of message.split('\n')) {
            if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;
          const payload = JSON.parse(data) as Record<string, unknown>;
          if (name === 'ready') {
            secret = String(payload['secret']);
            if (!announced) {
              process.stdout.write(`Ready! Your webhook signing secret is ${secret} (^C to quit)\n`);
              announced = true;
            } else {
              process.stdout.write(`${timeOfDay()}   reconnected\n`);
            }
          } else if (name === 'event') {
            const label = `${String(payload['type'])} [${String(payload['id'])}]`;
            const signingSecret = secret;
            // In order, one at a time: the receiver sees events in commit order.
            queue = queue.then(async () => {
              const status = await forward(target, signingSecret, payload, timeoutMs);
              process.stdout.write(`${timeOfDay()}   --> ${label}   <-- ${status} POST ${target}\n`);
            });
          }
        }
      }
      if (!stopping.signal.aborted) process.stdout.write(`${timeOfDay()}   connection to ${api.base} lost, reconnecting…\n`);
    } catch (error) {
      if (stopping.signal.aborted) break;
      if (!(error as { retry?: boolean }).retry && !(error instanceof TypeError)) throw error;
      process.stdout.write(`${timeOfDay()}   cannot reach ${api.base} (${(error as Error).message}), retrying…\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs));
  }
  await queue;
}
