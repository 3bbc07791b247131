/** A real local HTTP receiver for webhook tests: records every request, answers as told. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkResponseBody, recordConformanceViolations } from '@opentill/testkit';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent (what constructEvent must be given). */
  body: string;
  event: { id: string; type: string; [key: string]: unknown };
  at: number;
}

/** Answers a request: a status (body "ok"), or full control of the response. */
export type Behaviour = (request: Received, count: number) => number | ((res: ServerResponse) => void);

export interface Receiver {
  url: string;
  received: Received[];
  behaviour: Behaviour;
  /** Resolves once `predicate` holds (checked on each request), or rejects after `timeoutMs`. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  ofType(type: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(behaviour: Behaviour = () => 200): Promise<Receiver> {
  const waiters = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    received: [],
    behaviour,
    async waitFor(predicate, timeoutMs = 15_000, what = 'webhooks') {
      if (predicate(receiver.received)) return;
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(receiver.received)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for ${what}; received ${receiver.received.length}: ` +
                receiver.received
                  .map((r) => r.event.type)
                  .join(', ')
                  .slice(0, 2000),
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    ofType: (type) => receiver.received.filter((r) => r.event.type === type),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: Received['event'];
      try {
        event = JSON.parse(body) as Received['event'];
      } catch {
        event = { id: '(not json)', type: '(not json)' };
      }
      // Every event delivered is a Stripe event too: checked like an answer (docs/conformance.md).
      if (event.id !== '(not json)') {
        const violations = checkResponseBody(event, 200);
        if (violations.length > 0) {
          recordConformanceViolations(
            `webhook ${event.type}`,
            violations.map((violation) => `${violation.at}: ${violation.message}`),
          );
        }
      }
      const entry: Received = { headers: req.headers, body, event, at: Date.now() };
      receiver.received.push(entry);
      const answer = receiver.behaviour(entry, receiver.received.length);
      if (typeof answer === 'number') {
        res.writeHead(answer, { 'Content-Type': 'text/plain' });
        res.end(answer < 300 ? 'ok' : `status ${answer}`);
      } else {
        answer(res);
      }
      for (const waiter of [...waiters]) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
  return receiver;
}
