import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-webhooks.js';
import * as m0003 from './0003-idempotency-effects.js';
import * as m0004 from './0004-request-log.js';
import * as m0006 from './0006-connect.js';
import * as m0008 from './0008-commit-function.js';
import * as m0009 from './0009-reader-bus.js';
import * as m0011 from './0011-commit-batch.js';
import * as m0012 from './0012-reader-pairings.js';
import * as m0013 from './0013-endpoints-plpgsql.js';

/** Append-only. Same numbers and names as store-sqlite's migrations (checked by the store contract suite). */
export const migrations: ReadonlyArray<{ version: number; name: string; up: string }> = [
  { version: 1, name: 'initial', up: m0001.up },
  { version: 2, name: 'webhooks', up: m0002.up },
  { version: 3, name: 'idempotency-effects', up: m0003.up },
  { version: 4, name: 'request-log', up: m0004.up },
  { version: 6, name: 'connect', up: m0006.up },
  { version: 8, name: 'commit-function', up: m0008.up },
  { version: 9, name: 'reader-bus', up: m0009.up },
  { version: 11, name: 'commit-batch', up: m0011.up },
  { version: 12, name: 'reader-pairings', up: m0012.up },
  { version: 13, name: 'endpoints-plpgsql', up: m0013.up },
];
