/**
 * Sends one webhook request: the production adapter of the `WebhookSender` port.
 *
 * Bounded on every side: one overall timeout (connect + response), at most `responseBytesMax` of
 * the body read (then the socket is dropped), redirects never followed (a 3xx is a failure), and
 * unless `allowPrivate`, names resolving to loopback/private/link-local addresses are refused at
 * connect time (so DNS tricks don't get around a configuration-time check).
 */
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface WebhookResponse {
  /** Null when no response came. */
  status: number | null;
  /** The first bytes of the body (UTF-8, bounded), for the delivery log. */
  excerpt: string;
  error: string | null;
  latencyMs: number;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
  /** Releases pooled connections. */
  close?(): void;
}

export interface HttpSenderOptions {
  timeoutMs: number;
  /** Body bytes read at most; the rest is not read. */
  responseBytesMax: number;
  /** Bytes of the body kept for the log. */
  excerptBytesMax: number;
  allowPrivate: boolean;
}

export const defaultSenderOptions: HttpSenderOptions = {
  timeoutMs: 10_000, responseBytesMax: 64 * 1024, excerptBytesMax: 1024, allowPrivate: true,
};

const privateRanges = new BlockList();
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv6');
}

/** Loopback, private, link-local, CGNAT, multicast or unspecified. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return privateRanges.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return privateRanges.check(mapped[1]!, 'ipv4');
    return privateRanges.check(address, 'ipv6');
  }
  return false;
}

/** For configuration time: a host that is obviously local (literal private IP or localhost). */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const bad = list.find((entry) => isPrivateAddress(entry.address));
    if (bad) {
      const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a private address (${bad.address})`);
      refused.code = 'EPRIVATE';
      return callback(refused, []);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

export class HttpWebhookSender implements WebhookSender {
  /**
   * Keep-alive connections per receiver (most deliveries go to a few local receivers; a new TCP
   * connection per event costs more than the delivery). Bounded per host and in total.
   */
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 32, maxTotalSockets: 256, maxFreeSockets: 32, timeout: 30_000 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 32, maxTotalSockets: 256, maxFreeSockets: 32, timeout: 30_000 }),
  };

  constructor(private readonly options: HttpSenderOptions = defaultSenderOptions) {}

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  send(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const { timeoutMs, responseBytesMax, excerptBytesMax, allowPrivate } = this.options;
    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      const timers: { timeout?: NodeJS.Timeout } = {};
      const done = (status: number | null, excerpt: string, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timers.timeout);
        resolve({ status, excerpt, error, latencyMs: Math.round(performance.now() - started) });
      };
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        done(null, '', 'invalid URL');
        return;
      }
      if (!allowPrivate && isPrivateAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
        done(null, '', `delivery to a private address is not allowed (${url.hostname})`);
        return;
      }
      const secure = url.protocol === 'https:';
      const client = secure ? https : http;
      const body = Buffer.from(request.body, 'utf8');
      const req = client.request(url, {
        method: 'POST',
        headers: { ...request.headers, 'Content-Length': String(body.length) },
        agent: secure ? this.agents.https : this.agents.http,
        ...(allowPrivate ? {} : { lookup: guardedLookup as never }),
      }, (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let read = 0;
        const finish = (error: string | null, drop = false) => {
          const excerpt = Buffer.concat(chunks).subarray(0, excerptBytesMax).toString('utf8');
          const redirect = status >= 300 && status < 400
            ? `redirect not followed (${status}${res.headers.location ? ` to ${String(res.headers.location).slice(0, 200)}` : ''})`
            : null;
          done(status, excerpt, redirect ?? error);
          // A connection whose response was cut short cannot be reused.
          if (drop) req.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (read < excerptBytesMax) chunks.push(chunk);
          read += chunk.length;
          if (read > responseBytesMax) finish(`response body larger than ${responseBytesMax} bytes: not read further`, true);
        });
        res.on('end', () => finish(null));
        res.on('error', (error) => finish(error.message, true));
        res.on('aborted', () => finish('connection closed during the response', true));
      });
      timers.timeout = setTimeout(() => {
        done(null, '', `timed out after ${timeoutMs} ms`);
        req.destroy();
      }, timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => done(null, '', `${error.code ?? 'error'}: ${error.message}`.slice(0, 500)));
      req.end(body);
    });
  }
}
