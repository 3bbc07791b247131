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
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

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
  timeoutMs: 10_000,
  responseBytesMax: 64 * 1024,
  excerptBytesMax: 1024,
  allowPrivate: true,
};

/**
 * Address classification is ipaddr.js's (the library Fastify's proxy-addr uses): it parses every
 * IPv4 and IPv6 notation and knows the special-purpose registries, so no hand-rolled range table
 * can drift. Only global unicast is public; an IPv6 form that embeds an IPv4 address (mapped
 * `::ffff:7f00:1`, NAT64 `64:ff9b::/96`, SIIT, IPv4-compatible `::/96`, 6to4) is judged by the IPv4
 * address it reaches.
 */
const embeddingPrefixes = [
  { cidr: ipaddr.IPv6.parseCIDR('::ffff:0:0/96'), at: 6 },
  { cidr: ipaddr.IPv6.parseCIDR('64:ff9b::/96'), at: 6 },
  { cidr: ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'), at: 6 },
  { cidr: ipaddr.IPv6.parseCIDR('::/96'), at: 6 },
  { cidr: ipaddr.IPv6.parseCIDR('2002::/16'), at: 1 },
] as const;
const globalUnicastV6 = ipaddr.IPv6.parseCIDR('2000::/3');

function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  for (const { cidr, at } of embeddingPrefixes) {
    if (!address.match(cidr)) continue;
    const high = address.parts[at]!;
    const low = address.parts[at + 1]!;
    return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  }
  return null;
}

/**
 * Loopback, private, link-local, CGNAT, multicast, unspecified, reserved — anything but global
 * unicast — in any notation ipaddr.js parses (dotted, decimal, octal, hex IPv4; every IPv6 form;
 * brackets allowed). A name that is not an address is not private (resolution is checked later).
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return false;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded) return embedded.range() !== 'unicast';
  return v6.range() !== 'unicast' || !v6.match(globalUnicastV6);
}

/**
 * For configuration time: a host that is obviously local (a literal private IP, or `localhost` and
 * its subdomains, with or without the root's trailing dot).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.+$/, '');
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
    http: new http.Agent({
      keepAlive: true,
      maxSockets: 32,
      maxTotalSockets: 256,
      maxFreeSockets: 32,
      timeout: 30_000,
    }),
    https: new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      maxTotalSockets: 256,
      maxFreeSockets: 32,
      timeout: 30_000,
    }),
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
      if (!allowPrivate && isPrivateHost(url.hostname)) {
        done(null, '', `delivery to a private address is not allowed (${url.hostname})`);
        return;
      }
      const secure = url.protocol === 'https:';
      const client = secure ? https : http;
      const body = Buffer.from(request.body, 'utf8');
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: { ...request.headers, 'Content-Length': String(body.length) },
          agent: secure ? this.agents.https : this.agents.http,
          ...(allowPrivate ? {} : { lookup: guardedLookup as never }),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          let read = 0;
          const finish = (error: string | null, drop = false) => {
            const excerpt = Buffer.concat(chunks).subarray(0, excerptBytesMax).toString('utf8');
            const redirect =
              status >= 300 && status < 400
                ? `redirect not followed (${status}${res.headers.location ? ` to ${String(res.headers.location).slice(0, 200)}` : ''})`
                : null;
            done(status, excerpt, redirect ?? error);
            // A connection whose response was cut short cannot be reused.
            if (drop) req.destroy();
          };
          res.on('data', (chunk: Buffer) => {
            if (read < excerptBytesMax) chunks.push(chunk);
            read += chunk.length;
            if (read > responseBytesMax)
              finish(`response body larger than ${responseBytesMax} bytes: not read further`, true);
          });
          res.on('end', () => finish(null));
          res.on('error', (error) => finish(error.message, true));
          res.on('aborted', () => finish('connection closed during the response', true));
        },
      );
      timers.timeout = setTimeout(() => {
        done(null, '', `timed out after ${timeoutMs} ms`);
        req.destroy();
      }, timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) =>
        done(null, '', `${error.code ?? 'error'}: ${error.message}`.slice(0, 500)),
      );
      req.end(body);
    });
  }
}
