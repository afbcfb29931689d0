// The embedded flag store: the kill switch must be idempotent, loud about typos, and never
// lose a write or leave a half-written file.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFlagStore, readFlagFile, writeFlagFile } from '../../../src/adapters/fileFlagStore';

async function storeWith(flags: Record<string, boolean>) {
  const dir = mkdtempSync(join(tmpdir(), 'flags-'));
  const path = join(dir, 'flags.json');
  await writeFlagFile(path, { flags: Object.fromEntries(Object.entries(flags).map(([k, enabled]) => [k, { enabled }])) });
  return { dir, path, store: new FileFlagStore(path, () => new Date('2026-11-24T10:00:00Z')) };
}

test('disabling turns the flag off and records who and when', async () => {
  const { path, store } = await storeWith({ new_checkout: true });
  expect(await store.disable('new_checkout', 'rollback inc-1')).toEqual({ flag: 'new_checkout', changed: true, previous: true });
  expect((await readFlagFile(path)).flags.new_checkout).toEqual({ enabled: false, updatedAt: '2026-11-24T10:00:00.000Z', updatedBy: 'rollback inc-1' });
  expect(await store.isEnabled('new_checkout')).toBe(false);
});

test('disabling twice is idempotent: the second time changes nothing', async () => {
  const { path, store } = await storeWith({ new_checkout: true });
  await store.disable('new_checkout', 'first');
  expect(await store.disable('new_checkout', 'second')).toEqual({ flag: 'new_checkout', changed: false, previous: false });
  expect((await readFlagFile(path)).flags.new_checkout?.updatedBy).toBe('first');
});

test('an unknown flag is an error with a stable type, not a silent success', async () => {
  const { store } = await storeWith({ new_checkout: true });
  await expect(store.disable('new_chekout', 'typo')).rejects.toMatchObject({ type: 'UnknownFlag', flag: 'new_chekout' });
});

test('concurrent disables of different flags both persist, and no temp file is left behind', async () => {
  const { dir, path, store } = await storeWith({ a: true, b: true, c: true });
  await Promise.all([store.disable('a', 'x'), store.disable('b', 'y'), store.disable('c', 'z')]);
  const flags = (await readFlagFile(path)).flags;
  expect([flags.a?.enabled, flags.b?.enabled, flags.c?.enabled]).toEqual([false, false, false]);
  expect(readdirSync(dir)).toEqual(['flags.json']);
});
