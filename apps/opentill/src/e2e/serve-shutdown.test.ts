/**
 * `opentill serve` stopping (SIGTERM, SIGINT): a request still in flight — a long-poll, or a client
 * that stalls mid-body — gets `limits.shutdownGraceMs` to finish, then its connection is closed and
 * the server exits 0. Before this, a shutdown waited for the slowest request (an SDK long-poll holds
 * one open for a minute and more; a stalled body until the request timeout) and answered it first.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { startServer } from '@opentill/testkit';

/** A POST whose headers promise more body than is sent: the request stays in flight. */
function stalledRequest(
  port: number,
  secretKey: string,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', () => undefined); // a reset is one way the server may close it
    socket.once('connect', () => {
      socket.write(
        'POST /v1/payment_intents HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          `Authorization: Bearer ${secretKey}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
          'Content-Length: 100\r\n\r\namount=100',
      );
      resolve({ socket, received: () => received, closed });
    });
    socket.once('error', reject);
  });
}

describe('opentill serve: shutdown with a request in flight', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: the stalled request's connection is closed without an answer and the server exits 0`, async () => {
      const server = await startServer({ store: 'sqlite', name: `shutdown-${signal.toLowerCase()}` });
      const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
      const stalled = await stalledRequest(server.port, server.secretKey);
      // The server has the request's headers once a second request on another connection is answered
      // after it (one event loop; connections are served in order of arrival).
      const probe = await fetch(`${server.baseUrl}/v1/payment_intents?limit=1`, {
        headers: { Authorization: `Bearer ${server.secretKey}` },
      });
      assert.equal(probe.status, 200);

      await server.stop(signal);
      assert.equal(await exited, 0, server.output());
      await stalled.closed;
      // Waiting for the body would have ended in a 408 after the request timeout: no answer at all here.
      assert.equal(stalled.received(), '');
    });
  }
});
