import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fixed so that every test process on the machine finds the same server. */
export const EMBEDDED_DEFAULT_PORT = 54329;

export function embeddedPort(): number {
  return Number(process.env.OPENTILL_TEST_PGLITE_PORT ?? EMBEDDED_DEFAULT_PORT);
}

export function embeddedPidFile(port: number): string {
  return join(tmpdir(), `opentill-pglite-${port}.pid`);
}

export function embeddedLogFile(port: number): string {
  return join(tmpdir(), `opentill-pglite-${port}.log`);
}
