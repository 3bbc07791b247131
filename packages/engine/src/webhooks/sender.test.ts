import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HttpWebhookSender, defaultSenderOptions, isPrivateAddress, isPrivateHost } from './sender.js';

async function serve(handler: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const options = { ...defaultSenderOptions, timeoutMs: 500, responseBytesMax: 10_000, excerptBytesMax: 16 };

describe('HttpWebhookSender', () => {
  it('POSTs the body with the headers and reports status, latency and a bounded excerpt', async () => {
    let seen: { method?: string; headers?: Record<string, unknown>; body?: string } = {};
    const receiver = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        seen = { method: req.method!, headers: req.headers, body };
        res.writeHead(204);
        res.end();
      });
    });
    try {
      const response = await new HttpWebhookSender(options).send({
        url: receiver.url,
        body: '{"a":"é"}',
        headers: { 'X-Test': '1' },
      });
      assert.equal(response.status, 204);
      assert.equal(response.error, null);
      assert.equal(seen.method, 'POST');
      assert.equal(seen.body, '{"a":"é"}');
      assert.equal(seen.headers?.['x-test'], '1');
      assert.equal(seen.headers?.['content-length'], String(Buffer.byteLength('{"a":"é"}')));
    } finally {
      await receiver.close();
    }
  });

  it('bounded: a hang times out, a huge body is cut, a redirect is not followed, a refused connection is an error', async () => {
    const hang = await serve(() => undefined);
    const huge = await serve((_req, res) => {
      res.writeHead(200);
      res.write('x'.repeat(50_000));
    });
    const redirect = await serve((_req, res) => {
      res.writeHead(301, { Location: 'http://example.com/' });
      res.end();
    });
    try {
      const sender = new HttpWebhookSender(options);
      const hung = await sender.send({ url: hang.url, body: '{}', headers: {} });
      assert.equal(hung.status, null);
      assert.match(hung.error!, /timed out after 500 ms/);
      const big = await sender.send({ url: huge.url, body: '{}', headers: {} });
      assert.equal(big.status, 200);
      assert.equal(big.excerpt, 'x'.repeat(16));
      assert.match(big.error!, /larger than 10000 bytes/);
      const moved = await sender.send({ url: redirect.url, body: '{}', headers: {} });
      assert.equal(moved.status, 301);
      assert.match(moved.error!, /redirect not followed \(301 to http:\/\/example\.com\/\)/);
      const refused = await sender.send({ url: 'http://127.0.0.1:1/hook', body: '{}', headers: {} });
      assert.equal(refused.status, null);
      assert.match(refused.error!, /ECONNREFUSED/);
    } finally {
      await Promise.all([hang.close(), huge.close(), redirect.close()]);
    }
  });

  it('private addresses: recognised, and refused at connect time unless allowed', async () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ]) {
      assert.ok(isPrivateAddress(address), address);
    }
    for (const address of ['8.8.8.8', '2001:4860:4860::8888', '172.32.0.1'])
      assert.ok(!isPrivateAddress(address), address);
    assert.ok(isPrivateHost('localhost'));
    assert.ok(isPrivateHost('[::1]'));
    assert.ok(!isPrivateHost('example.com'));
    const receiver = await serve((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    try {
      const strict = new HttpWebhookSender({ ...options, allowPrivate: false });
      const literal = await strict.send({ url: receiver.url, body: '{}', headers: {} });
      assert.match(literal.error!, /private address/);
      const named = await strict.send({ url: receiver.url.replace('127.0.0.1', 'localhost'), body: '{}', headers: {} });
      assert.equal(named.status, null);
      assert.match(named.error!, /private address/);
      assert.equal(
        (await new HttpWebhookSender(options).send({ url: receiver.url, body: '{}', headers: {} })).status,
        200,
      );
    } finally {
      await receiver.close();
    }
  });

  it('private hosts: every notation of a local address in a URL is refused, public ones are not', () => {
    const local = [
      'http://localhost./',
      'http://LocalHost../',
      'http://a.localhost./',
      'http://[::ffff:127.0.0.1]/',
      'http://[::ffff:7f00:1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://[64:ff9b::10.0.0.1]/',
      'http://[::127.0.0.1]/',
      'http://[2002:7f00:1::]/',
      'http://[::ffff:0:a9fe:a9fe]/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://0177.0.0.1/',
      'http://0/',
      'http://0.0.0.0/',
      'http://[::]/',
      'http://[fc00::1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://169.254.169.254/',
      'http://100.64.0.1/',
      'http://[64:ff9b:1::1]/',
      'http://255.255.255.255/',
    ];
    for (const url of local) assert.ok(isPrivateHost(new URL(url).hostname), url);
    const global = [
      'http://8.8.8.8/',
      'http://[64:ff9b::808:808]/',
      'http://[::ffff:8.8.8.8]/',
      'http://[2001:4860:4860::8888]/',
      'http://example.com./',
      'http://localhost.example.com/',
    ];
    for (const url of global) assert.ok(!isPrivateHost(new URL(url).hostname), url);
  });

  it('private addresses (property): an IPv4 address is judged the same in every notation that reaches it', () => {
    const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), ([a, b, c, d]) => {
        const dotted = `${a}.${b}.${c}.${d}`;
        const expected = isPrivateAddress(dotted);
        const decimal = String(((a << 24) >>> 0) + (b << 16) + (c << 8) + d);
        const forms = [
          `::ffff:${dotted}`,
          `::ffff:${hex(a, b)}:${hex(c, d)}`,
          `64:ff9b::${hex(a, b)}:${hex(c, d)}`,
          `64:ff9b::${dotted}`,
          `2002:${hex(a, b)}:${hex(c, d)}::1`,
        ];
        for (const form of forms) assert.equal(isPrivateAddress(form), expected, `${form} vs ${dotted}`);
        assert.equal(isPrivateHost(new URL(`http://${decimal}/`).hostname), expected, decimal);
        assert.equal(isPrivateHost(new URL(`http://[::ffff:${dotted}]/`).hostname), expected, dotted);
      }),
      { seed: 20261203, numRuns: 2000 },
    );
  });
});
