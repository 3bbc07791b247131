/**
 * Shared embedded PostgreSQL for test runs on machines without a server.
 *
 * Started on demand (detached) by `testPostgres()` in postgres.ts:
 *   node dist/pglite-server.js [port]        (default 54329)
 *
 * One process per port. The listening socket *is* the lock: we bind before
 * booting PGlite (which takes seconds), so when several test processes race
 * to start it, the losers get EADDRINUSE immediately and exit 0, and every
 * client simply waits for the winner to answer `select 1`.
 *
 * The pid is written to `<tmpdir>/opentill-pglite-<port>.pid` and output goes
 * to `<tmpdir>/opentill-pglite-<port>.log`, so a stuck server can be found and
 * killed by hand. The database is in memory and the process exits after
 * OPENTILL_PGLITE_IDLE_MS (default 60000) with no open connection, so nothing
 * lingers after a test run; a test must not keep a URL unused for that long.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGliteMultiplexServer } from './pglite-wire.js';
import { embeddedPidFile, EMBEDDED_DEFAULT_PORT } from './pglite-paths.js';

const port = Number(process.argv[2] ?? EMBEDDED_DEFAULT_PORT);
const idleMs = Number(process.env.OPENTILL_PGLITE_IDLE_MS ?? 60_000);

async function main(): Promise<void> {
  const booting = PGlite.create();
  const server = new PGliteMultiplexServer({ db: booting, port });
  try {
    await server.listen();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') process.exit(0); // another one won
    throw error;
  }
  const pidFile = embeddedPidFile(port);
  writeFileSync(pidFile, String(process.pid));
  console.log(`[pglite-server] pid ${process.pid} listening on 127.0.0.1:${port}`);
  await booting;
  console.log('[pglite-server] PGlite ready');
  exitWhenIdle(server, pidFile);
}

/** Polls rather than hooking connection events: simpler and good enough. */
function exitWhenIdle(server: PGliteMultiplexServer, pidFile: string): void {
  let idleSince = Date.now();
  setInterval(
    () => {
      if (server.connectionCount > 0) idleSince = Date.now();
      else if (Date.now() - idleSince >= idleMs) {
        console.log('[pglite-server] idle, exiting');
        rmSync(pidFile, { force: true });
        process.exit(0);
      }
    },
    Math.min(1000, idleMs),
  );
}

main().catch((error: unknown) => {
  console.error('[pglite-server] failed:', error);
  process.exit(1);
});
