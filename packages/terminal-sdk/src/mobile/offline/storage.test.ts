import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileOfflineStorage, MemoryOfflineStorage } from './storage.js';

test('FileOfflineStorage: one file per key (any characters), values read back, deleted, listed; a missing directory is empty', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'opentill-storage-'));
  try {
    const storage = new FileOfflineStorage(path.join(root, 'not-yet'));
    assert.deepEqual(await storage.keys(), []);
    assert.equal(await storage.get('payment:offpi_1'), undefined);
    await storage.set('payment:offpi_1', '{"a":1}');
    await storage.set('settings:tml_1/../x', '{"b":2}');
    assert.deepEqual((await storage.keys()).sort(), ['payment:offpi_1', 'settings:tml_1/../x']);
    assert.equal(await storage.get('settings:tml_1/../x'), '{"b":2}');
    await storage.set('payment:offpi_1', '{"a":3}');
    assert.equal(await storage.get('payment:offpi_1'), '{"a":3}');
    // No temporary file is left behind, and a stray temporary file is not a key.
    await writeFile(path.join(root, 'not-yet', 'payment%3Aoffpi_2.json.123.tmp'), 'half');
    assert.deepEqual((await storage.keys()).sort(), ['payment:offpi_1', 'settings:tml_1/../x']);
    await storage.del('payment:offpi_1');
    await storage.del('payment:never');
    assert.deepEqual(await storage.keys(), ['settings:tml_1/../x']);
    assert.equal((await readdir(path.join(root, 'not-yet'))).filter((name) => name.endsWith('.json')).length, 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('FileOfflineStorage: a write that cannot happen rejects and leaves what was stored', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'opentill-storage-'));
  try {
    const file = path.join(root, 'a-file');
    await writeFile(file, 'x');
    // The "directory" is a file: every write fails (as a full or read-only disk would), reads answer nothing.
    const broken = new FileOfflineStorage(file);
    await assert.rejects(broken.set('payment:offpi_1', '{}'));
    const storage = new FileOfflineStorage(path.join(root, 'ok'));
    await storage.set('payment:offpi_1', '{"kept":true}');
    await assert.rejects(new FileOfflineStorage(path.join(root, 'ok', 'payment%3Aoffpi_1.json')).set('k', 'v'));
    assert.equal(await storage.get('payment:offpi_1'), '{"kept":true}');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('MemoryOfflineStorage keeps values for the process', async () => {
  const storage = new MemoryOfflineStorage();
  await storage.set('k', 'v');
  assert.equal(await storage.get('k'), 'v');
  assert.deepEqual(await storage.keys(), ['k']);
  await storage.del('k');
  assert.deepEqual(await storage.keys(), []);
});
