// The file-backed idempotency ledger: one JSON file per key, replaced atomically.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileIdempotencyLedger, MemoryIdempotencyLedger } from '../../../src/adapters/idempotencyLedger';
import { caught } from '../../support/caught';

const ledgerDir = () => join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger');

test('an unknown key is undefined; a put value comes back as written', async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  expect(await ledger.get('inc-1/flag/0')).toBeUndefined();
  await ledger.put('inc-1/flag/0', { status: 'done', record: { ok: true, summary: 'flag x turned off' } });
  expect(await ledger.get('inc-1/flag/0')).toEqual({ status: 'done', record: { ok: true, summary: 'flag x turned off' } });
});

test('a later put replaces the value; other keys are untouched', async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  await ledger.put('inc-1/a', { status: 'started' });
  await ledger.put('inc-1/b', { status: 'started' });
  await ledger.put('inc-1/a', { status: 'done' });
  expect(await ledger.get('inc-1/a')).toEqual({ status: 'done' });
  expect(await ledger.get('inc-1/b')).toEqual({ status: 'started' });
});

test('one readable file per key, no temp files left, keys with slashes and odd characters stay distinct', async () => {
  const dir = ledgerDir();
  const ledger = new FileIdempotencyLedger(dir);
  await Promise.all(['inc 1/app/0/web', 'inc_1/app/0/web', 'inc-1/app/0/wéb', 'inc-1/../../etc'].map((k, i) => ledger.put(k, i)));
  const files = readdirSync(dir);
  expect(files).toHaveLength(4);
  expect(files.every((f) => f.endsWith('.json') && !f.includes('/'))).toBe(true);
  expect(await ledger.get('inc 1/app/0/web')).toBe(0);
  expect(await ledger.get('inc_1/app/0/web')).toBe(1);
  expect(await ledger.get('inc-1/../../etc')).toBe(3);
  expect(JSON.parse(readFileSync(ledger.fileFor('inc-1/app/0/wéb'), 'utf8'))).toEqual({ key: 'inc-1/app/0/wéb', value: 2 });
});

test('a file holding another key is refused, never returned as this key\'s outcome', async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  await ledger.put('inc-1/a', 'x');
  writeFileSync(ledger.fileFor('inc-1/a'), JSON.stringify({ key: 'inc-2/a', value: 'y' }));
  expect(await caught(ledger.get('inc-1/a'))).toMatchObject({ type: 'LedgerKeyCollision' });
});

test('the in-memory ledger keeps copies, not references', async () => {
  const ledger = new MemoryIdempotencyLedger();
  const value = { n: 1 };
  await ledger.put('k', value);
  value.n = 2;
  expect(await ledger.get('k')).toEqual({ n: 1 });
});
