/**
 * Where the mobile SDK keeps offline payments on the device (docs/offline.md): a small key-value
 * port, so the stored payments survive an app restart. Two adapters: a directory of files in Node
 * (one file per key, written to a temporary file then renamed, so a crash never leaves half a
 * record), and IndexedDB in a browser (through `idb-keyval`, a well-kept 600-byte wrapper).
 * Values are JSON text; the SDK never stores a card number in clear (the card is sealed with the
 * server's offline key before it is stored).
 */

export interface OfflineStorage {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** Node: one file per key in `directory` (created on first write). */
export class FileOfflineStorage implements OfflineStorage {
  constructor(readonly directory: string) {}

  private path(key: string): string {
    return `${this.directory}/${encodeURIComponent(key)}.json`;
  }

  async get(key: string): Promise<string | undefined> {
    const fs = await import('node:fs/promises');
    try {
      return await fs.readFile(this.path(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async set(key: string, value: string): Promise<void> {
    const fs = await import('node:fs/promises');
    await fs.mkdir(this.directory, { recursive: true });
    const target = this.path(key);
    const temporary = `${target}.${process.pid}.${Date.now().toString(36)}.tmp`;
    const handle = await fs.open(temporary, 'w');
    try {
      await handle.writeFile(value, 'utf8');
      // On disk before the rename: a payment the customer was told is taken must survive a power cut.
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async del(key: string): Promise<void> {
    const fs = await import('node:fs/promises');
    await fs.rm(this.path(key), { force: true });
  }

  async keys(): Promise<string[]> {
    const fs = await import('node:fs/promises');
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith('.json'))
      .map((name) => decodeURIComponent(name.slice(0, -'.json'.length)));
  }
}

/** A browser: IndexedDB, database `opentill-offline` (one object store), through idb-keyval. */
export class IndexedDbOfflineStorage implements OfflineStorage {
  private store: Promise<{
    lib: typeof import('idb-keyval');
    store: ReturnType<typeof import('idb-keyval').createStore>;
  }> | null = null;

  constructor(private readonly databaseName = 'opentill-offline') {}

  private open() {
    this.store ??= import('idb-keyval').then((lib) => ({ lib, store: lib.createStore(this.databaseName, 'payments') }));
    return this.store;
  }

  async get(key: string): Promise<string | undefined> {
    const { lib, store } = await this.open();
    return lib.get<string>(key, store);
  }

  async set(key: string, value: string): Promise<void> {
    const { lib, store } = await this.open();
    await lib.set(key, value, store);
  }

  async del(key: string): Promise<void> {
    const { lib, store } = await this.open();
    await lib.del(key, store);
  }

  async keys(): Promise<string[]> {
    const { lib, store } = await this.open();
    return (await lib.keys(store)).map(String);
  }
}

/** Kept in memory only (lost with the process): for an app that does not want offline payments to outlive it. */
export class MemoryOfflineStorage implements OfflineStorage {
  private readonly values = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  async set(key: string, value: string): Promise<void> {
    this.values.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.values.delete(key);
  }
  async keys(): Promise<string[]> {
    return [...this.values.keys()];
  }
}
