/**
 * Server-Sent Events for OpenTill's live streams (request log, dashboard change notices). One
 * place for the headers, the heartbeat, the per-process bound and closing every stream when the
 * server shuts down. EventSource sends cookies, so a dashboard session opens them like a key does.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, limits } from '@opentill/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.js';
import type { Principal } from '../http/auth.js';

const heartbeatMs = 15_000;

export interface SseStream {
  send(event: string, data: unknown): void;
  /** Runs when the client goes away or the server closes. */
  onClose(cleanup: () => void): void;
}

export interface SseHub {
  open(request: FastifyRequest, reply: FastifyReply): Promise<{ principal: Principal; stream: () => SseStream }>;
}

export function sseHub(app: App): SseHub {
  const open = new Set<ServerResponse>();
  app.fastify.addHook('preClose', async () => {
    for (const res of open) res.end();
  });
  return {
    /**
     * Authenticates first (errors are ordinary Stripe errors), then `stream()` takes the socket over.
     * Streams are read-only, so a cookie needs no CSRF token here (GET).
     */
    async open(request, reply) {
      const principal = await app.authenticator.principalOf(request);
      if (principal.kind === 'publishable') {
        throw new ApiError(
          'secret_key_required',
          'This API call cannot be made with a publishable API key. Please use a secret API key.',
        );
      }
      if (open.size >= limits.liveStreamCountMax) {
        throw new ApiError(
          'rate_limit',
          `Too many live streams on this server (at most ${limits.liveStreamCountMax}).`,
        );
      }
      return {
        principal,
        stream: () => {
          reply.hijack();
          const res = reply.raw;
          res.writeHead(200, {
            'Content-Type': 'text/event-stream; charset=utf-8',
            'Cache-Control': 'no-cache',
            Connection: 'keep-alive',
            'Request-Id': request.requestId,
          });
          open.add(res);
          const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
          heartbeat.unref();
          const cleanups: Array<() => void> = [() => clearInterval(heartbeat), () => open.delete(res)];
          res.once('close', () => {
            for (const cleanup of cleanups) cleanup();
          });
          return {
            send: (event, data) => {
              res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
            },
            onClose: (cleanup) => {
              cleanups.push(cleanup);
            },
          };
        },
      };
    },
  };
}
