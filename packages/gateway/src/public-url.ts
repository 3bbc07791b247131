/**
 * The origin (`http(s)://host[:port]`) put in the URLs OpenTill hands out (screen sessions). Never
 * taken from a header as is: `--public-url` when configured; otherwise the request's `Host` when it
 * is a well-formed host (and, only behind a configured proxy, `X-Forwarded-Proto`/`-Host` when they
 * are `http`/`https` and a well-formed host); otherwise the address the request came in on.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export interface PublicUrlOptions {
  /** A configured origin (`--public-url`), already checked by `parsePublicUrl`. */
  publicUrl?: string | null | undefined;
  /** Trust `X-Forwarded-Proto` / `X-Forwarded-Host` (`--trust-proxy`): only behind a proxy that sets them. */
  trustProxy?: boolean | undefined;
}

/**
 * A DNS name (labels of letters, digits and inner hyphens), an IPv4 address or a bracketed IPv6
 * address, with an optional port. Deliberately narrower than what URL parsers accept: a header that
 * does not match is ignored, never repaired.
 */
const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const hostPattern = new RegExp(`^(?:${label}(?:\\.${label})*\\.?|\\[[0-9A-Fa-f:.]{2,45}\\])(?::(\\d{1,5}))?$`);

/**
 * The host, normalized (`URL.host`), when `value` is well-formed and means the same to a URL parser
 * (no numeric shorthand such as `0` or `0x7f.1` that a parser rewrites); else null.
 */
export function wellFormedHost(value: string): string | null {
  const match = hostPattern.exec(value);
  if (!match) return null;
  if (value.startsWith('[') && isIP(value.slice(1, value.indexOf(']'))) !== 6) return null;
  const port = match[1];
  if (port !== undefined && Number(port) > 65_535) return null;
  let url: URL;
  try {
    url = new URL(`http://${value}`);
  } catch {
    return null;
  }
  const hostname = port === undefined ? value : value.slice(0, value.length - port.length - 1);
  if (url.hostname !== hostname.toLowerCase() && !(value.startsWith('[') && isIP(url.hostname.slice(1, -1)) === 6))
    return null;
  return url.host;
}

/** Checks `--public-url`: an absolute http(s) URL with no credentials, query or fragment. Returns its origin. */
export function parsePublicUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(
      `--public-url/OPENTILL_PUBLIC_URL must be an absolute http:// or https:// URL (got an unparsable value).`,
    );
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    (url.pathname !== '/' && url.pathname !== '') ||
    wellFormedHost(url.host) === null
  ) {
    throw new Error(
      '--public-url/OPENTILL_PUBLIC_URL must be an http:// or https:// origin such as https://till.example.com ' +
        '(no path, credentials, query or fragment).',
    );
  }
  return url.origin;
}

/** The one-line reason `--public-url` is refused, or null. */
export function publicUrlProblem(text: string): string | null {
  try {
    parsePublicUrl(text);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function firstHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(',')[0]!.trim();
}

export function publicOrigin(request: IncomingMessage, options: PublicUrlOptions): string {
  if (options.publicUrl) return options.publicUrl;
  let proto = 'http';
  let host = request.headers.host !== undefined ? wellFormedHost(request.headers.host) : null;
  if (options.trustProxy) {
    const forwardedProto = firstHeader(request, 'x-forwarded-proto')?.toLowerCase();
    if (forwardedProto === 'http' || forwardedProto === 'https') proto = forwardedProto;
    const forwardedHost = firstHeader(request, 'x-forwarded-host');
    host = (forwardedHost !== undefined ? wellFormedHost(forwardedHost) : null) ?? host;
  }
  if (host !== null) return new URL(`${proto}://${host}`).origin;
  const address = request.socket.localAddress ?? '127.0.0.1';
  const port = request.socket.localPort ?? 80;
  return `${proto}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}
