// flag.enable: the file flag store turns a flag back on, idempotently.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFlagStore, readFlagFile, writeFlagFile } from '../../../src/adapters/fileFlagStore';

async function storeWith(flags: Record<string, boolean>) {
  const path = join(mkdtempSync(join(tmpdir(), 'flags-')), 'flags.json');
  await writeFlagFile(path, { flags: Object.fromEntries(Object.entries(flags).map(([k, enabled]) => [k, { enabled }])) });
  return { path, store: new FileFlagStore(path, () => new Date('2026-11-24T10:00:00Z')) };
}

test('enabling turns an off flag on and records who and when', async () => {
  const { path, store } = await storeWith({ maintenance_banner: false });
  expect(await store.enable('maintenance_banner', 'rollback inc-1')).toEqual({ flag: 'maintenance_banner', changed: true, previous: false });
  expect((await readFlagFile(path)).flags.maintenance_banner).toEqual({ enabled: true, updatedAt: '2026-11-24T10:00:00.000Z', updatedBy: 'rollback inc-1' });
});

test('enabling an enabled flag changes nothing', async () => {
  const { path, store } = await storeWith({ maintenance_banner: true });
  expect(await store.enable('maintenance_banner', 'x')).toEqual({ flag: 'maintenance_banner', changed: false, previous: true });
  expect((await readFlagFile(path)).flags.maintenance_banner).toEqual({ enabled: true });
});

test('disable then enable round-trips; an unknown flag is an error', async () => {
  const { store } = await storeWith({ f: true });
  await store.disable('f', 'a');
  expect(await store.isEnabled('f')).toBe(false);
  await store.enable('f', 'b');
  expect(await store.isEnabled('f')).toBe(true);
  await expect(store.enable('g', 'typo')).rejects.toMatchObject({ type: 'UnknownFlag' });
});
