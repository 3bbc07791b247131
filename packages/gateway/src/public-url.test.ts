import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePublicUrl, publicOrigin, publicUrlProblem, wellFormedHost } from './public-url.js';

function request(
  headers: Record<string, string | string[]>,
  local = { localAddress: '127.0.0.1', localPort: 4242 },
): IncomingMessage {
  return { headers, socket: local } as unknown as IncomingMessage;
}

describe('public URLs of screen sessions', () => {
  it('never reflects a header as is: a bad Host falls back to the address the request came in on', () => {
    assert.equal(publicOrigin(request({ host: 'javascript://evil' }), {}), 'http://127.0.0.1:4242');
    assert.equal(publicOrigin(request({ host: 'evil.example/"><script>' }), {}), 'http://127.0.0.1:4242');
    assert.equal(publicOrigin(request({}, { localAddress: '::1', localPort: 80 }), {}), 'http://[::1]:80');
    assert.equal(publicOrigin(request({ host: 'till.local:4242' }), {}), 'http://till.local:4242');
    assert.equal(publicOrigin(request({ host: '[::1]:4242' }), {}), 'http://[::1]:4242');
    assert.equal(publicOrigin(request({ host: 'Till.Local' }), {}), 'http://till.local');
    // Numeric shorthands a URL parser rewrites are not taken as written.
    for (const host of ['0', '0x7f.1', '2130706433', '1.2']) assert.equal(wellFormedHost(host), null, host);
  });

  it('X-Forwarded-Proto and -Host count only with --trust-proxy, and only when well-formed', () => {
    const forwarded = { host: 'internal:4242', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'till.example.com' };
    assert.equal(publicOrigin(request(forwarded), {}), 'http://internal:4242');
    assert.equal(publicOrigin(request(forwarded), { trustProxy: true }), 'https://till.example.com');
    assert.equal(
      publicOrigin(request({ host: 'a.example', 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil/x' }), {
        trustProxy: true,
      }),
      'http://a.example',
    );
    assert.equal(
      publicOrigin(request({ host: 'a.example', 'x-forwarded-proto': 'HTTPS, http' }), { trustProxy: true }),
      'https://a.example',
    );
    assert.equal(
      publicOrigin(request(forwarded), { publicUrl: 'https://pos.example', trustProxy: true }),
      'https://pos.example',
    );
  });

  it('--public-url must be an http(s) origin', () => {
    assert.equal(parsePublicUrl('https://till.example.com/'), 'https://till.example.com');
    assert.equal(parsePublicUrl('http://192.168.1.20:4242'), 'http://192.168.1.20:4242');
    for (const bad of [
      'javascript://evil',
      'ftp://x',
      'https://u:p@x',
      'https://x/path',
      'https://x/?q',
      'https://x/#f',
      'x',
      '',
    ]) {
      assert.ok(publicUrlProblem(bad), bad);
    }
  });

  it('property: whatever the headers, the origin is an http(s) origin and nothing more', () => {
    const headerText = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('https', 'http', 'javascript', 'a.example:1', '[::1]', 'x/y', 'a b'),
    );
    fc.assert(
      fc.property(headerText, headerText, headerText, fc.boolean(), (host, proto, forwardedHost, trustProxy) => {
        const origin = publicOrigin(request({ host, 'x-forwarded-proto': proto, 'x-forwarded-host': forwardedHost }), {
          trustProxy,
        });
        const url = new URL(origin);
        assert.ok(url.protocol === 'http:' || url.protocol === 'https:', origin);
        assert.equal(url.origin, origin);
        if (!trustProxy) assert.equal(url.protocol, 'http:');
        assert.equal(wellFormedHost(url.host), url.host, origin);
      }),
      { seed: 20261203, numRuns: 3000 },
    );
  });
});
