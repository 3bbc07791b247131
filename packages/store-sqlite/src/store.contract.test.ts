import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '@opentill/testkit';
import { migrations, SqliteStore } from './index.js';

runStoreContract(
  'sqlite',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opentill-store-contract-'));
    const store = new SqliteStore(join(dir, 'store.db'));
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { migrations },
);
