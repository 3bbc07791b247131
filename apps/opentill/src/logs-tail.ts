/**
 * `opentill logs tail`: the account's request log as it happens, like `stripe logs tail`. Reads
 * `GET /opentill/v1/request_log/stream` (SSE, secret key); the filters are applied by the server.
 * One line per request (`--format json`: one JSON object per line, the request log entry).
 * Reconnects when the server goes away.
 */
import { parseArgs } from 'node:util';
import { client, clientOptions, clientUsage } from './cli/client.js';
import { sseMessages } from './sse-client.js';

export const logsUsage = `Usage: opentill logs tail [options]
  --filter-status <s>          2xx, 4xx, 5xx or one status code (e.g. 402)
  --filter-http-method <m>     GET, POST or DELETE
  --filter-request-path <p>    paths starting with this (e.g. /v1/payment_intents)
  --format <text|json>         one line per request, or one JSON object per line (default text)
${clientUsage}`;

const reconnectDelayMs = 1000;

interface Entry {
  id: string;
  created: number;
  method: string;
  path: string;
  status: number;
  idempotency_key: string | null;
  replayed: boolean;
  error: { type: string | null; code: string | null } | null;
  duration_ms: number;
  source: string;
}

export function formatEntry(entry: Entry): string {
  const time = new Date(entry.created).toISOString().replace('T', ' ').slice(0, 19);
  const error = entry.error ? ` ${entry.error.code ?? entry.error.type ?? ''}` : '';
  const replay = entry.replayed ? ' (replayed)' : '';
  return `${time}  [${entry.status}] ${entry.method} ${entry.path} [${entry.id}]${error}${replay} ${Math.round(entry.duration_ms)} ms ${entry.source}`;
}

export async function logs(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'tail') {
    if (sub === undefined || sub === '--help' || sub === 'help') {
      process.stdout.write(`${logsUsage}\n`);
      return;
    }
    throw new Error(`unknown logs command '${sub}'\n${logsUsage}`);
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      'filter-status': { type: 'string' },
      'filter-http-method': { type: 'string' },
      'filter-request-path': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean' },
      ...clientOptions,
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${logsUsage}\n`);
    return;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new Error('--format: text or json');
  const query = new URLSearchParams();
  if (values['filter-status'] !== undefined) query.set('status', values['filter-status'].toLowerCase());
  if (values['filter-http-method'] !== undefined) query.set('method', values['filter-http-method'].toUpperCase());
  if (values['filter-request-path'] !== undefined) query.set('path', values['filter-request-path']);
  const api = client(values);
  const stopping = new AbortController();
  process.on('SIGINT', () => stopping.abort());
  process.on('SIGTERM', () => stopping.abort());

  let announced = false;
  while (!stopping.signal.aborted) {
    try {
      const response = await fetch(`${api.base}/opentill/v1/request_log/stream?${query}`, {
        headers: { Authorization: `Bearer ${api.key}`, Accept: 'text/event-stream' },
        signal: stopping.signal,
      });
      if (!response.ok || !response.body) {
        const text = await response.text();
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
        } catch {
          /* raw text */
        }
        // A refused key or a bad filter will not get better by retrying.
        if (response.status >= 400 && response.status < 500) throw new Error(`HTTP ${response.status}: ${message}`);
        throw Object.assign(new Error(`HTTP ${response.status}`), { retry: true });
      }
      for await (const message of sseMessages(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (message.event === 'ready') {
          if (!announced) process.stderr.write('Ready! You are now waiting to receive API request logs (^C to quit)\n');
          announced = true;
        } else if (message.event === 'request') {
          const entry = JSON.parse(message.data) as Entry;
          process.stdout.write(`${format === 'json' ? JSON.stringify(entry) : formatEntry(entry)}\n`);
        }
      }
    } catch (error) {
      if (stopping.signal.aborted) break;
      if (!(error as { retry?: boolean }).retry && !(error instanceof TypeError)) throw error;
    }
    if (stopping.signal.aborted) break;
    process.stderr.write('Connection to the server lost; reconnecting…\n');
    await new Promise((r) => setTimeout(r, reconnectDelayMs));
  }
}
