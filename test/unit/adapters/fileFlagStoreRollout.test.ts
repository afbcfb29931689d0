// A gradual rollout in the file flag store: the share and the variant are written with who
// and when, what the step leaves out stays, turning the flag off and on keeps the rollout,
// and the same rollout twice changes nothing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFlagStore, readFlagFile, writeFlagFile, type FlagRecord } from '../../../src/adapters/fileFlagStore';

async function storeWith(flags: Record<string, FlagRecord>) {
  const path = join(mkdtempSync(join(tmpdir(), 'flags-')), 'flags.json');
  await writeFlagFile(path, { flags });
  return { path, store: new FileFlagStore(path, () => new Date('2026-11-24T10:00:00Z')) };
}

test('a rollout turns the flag on for that share, serving that variant, and records who and when', async () => {
  const { path, store } = await storeWith({ new_checkout: { enabled: false } });
  expect(await store.rollout('new_checkout', { percent: 10, variant: 'control' }, 'rollback inc-1')).toEqual({
    flag: 'new_checkout',
    changed: true,
    previous: { enabled: false, percent: 100, variant: undefined },
  });
  expect((await readFlagFile(path)).flags.new_checkout).toEqual({
    enabled: true,
    rollout: 10,
    variant: 'control',
    updatedAt: '2026-11-24T10:00:00.000Z',
    updatedBy: 'rollback inc-1',
  });
  expect(await store.state('new_checkout')).toEqual({ enabled: true, percent: 10, variant: 'control' });
});

test('what a rollout leaves out stays as it was; the same rollout again changes nothing', async () => {
  const { path, store } = await storeWith({ new_checkout: { enabled: true, rollout: 50, variant: 'treatment' } });
  expect((await store.rollout('new_checkout', { variant: 'control' }, 'a')).changed).toBe(true);
  expect(await store.state('new_checkout')).toEqual({ enabled: true, percent: 50, variant: 'control' });
  expect((await store.rollout('new_checkout', { percent: 0 }, 'b')).changed).toBe(true);
  expect(await store.rollout('new_checkout', { percent: 0, variant: 'control' }, 'c')).toEqual({
    flag: 'new_checkout',
    changed: false,
    previous: { enabled: true, percent: 0, variant: 'control' },
  });
  expect((await readFlagFile(path)).flags.new_checkout?.updatedBy).toBe('b');
});

test('turning a flag off and on again keeps its rollout; an unknown flag is an error', async () => {
  const { store } = await storeWith({ new_checkout: { enabled: true, rollout: 25 } });
  await store.disable('new_checkout', 'kill switch');
  expect(await store.state('new_checkout')).toEqual({ enabled: false, percent: 25, variant: undefined });
  await store.enable('new_checkout', 'all clear');
  expect(await store.state('new_checkout')).toEqual({ enabled: true, percent: 25, variant: undefined });
  await expect(store.rollout('new_chekout', { percent: 5 }, 'typo')).rejects.toMatchObject({ type: 'UnknownFlag', flag: 'new_chekout' });
});
