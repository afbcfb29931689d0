// The embedded step guard: one JSON file per key, replaced atomically; claims follow
// Temporal's attempts (an earlier attempt's 'started' claim is taken over, the same one is not).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileIdempotencyLedger, MemoryIdempotencyLedger, stepGuardKey, type ClaimRequest } from '../../../src/adapters/idempotencyLedger';
import { caught } from '../../support/caught';

const ledgerDir = () => join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger');
const request = (attempt: number, owner = 'host-a/1'): ClaimRequest => ({ owner, attempt, startedAt: '2026-11-24T10:00:00.000Z' });
const done = { ok: true, summary: 'flag x turned off' };

test('the key names the workflow run, the step (level run, index) and the service', () => {
  expect(stepGuardKey({ workflowId: 'rollback-web', runId: 'r1', stepKey: 'L1#1/0', service: 'web' })).toBe('rollback-web/r1/L1#1/0/web');
  expect(stepGuardKey({ workflowId: 'rollback-web', runId: 'r2', stepKey: 'L1#1/0' })).toBe('rollback-web/r2/L1#1/0');
});

test('a first claim is held; the outcome settles it; an unknown key is undefined', async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  expect(await ledger.get('w/r/a')).toBeUndefined();
  const claim = await ledger.claim('w/r/a', request(1));
  expect(claim).toEqual({ held: true, entry: { status: 'started', owner: 'host-a/1', attempt: 1, startedAt: '2026-11-24T10:00:00.000Z' } });
  expect(await ledger.settle('w/r/a', { ...claim.entry, status: 'done', record: done })).toBe(true);
  expect(await ledger.get('w/r/a')).toMatchObject({ status: 'done', record: done });
});

test("another attempt's live claim is not held; an earlier attempt's claim is taken over, keeping its start and pin", async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  await ledger.claim('w/r/a', { ...request(1), pinnedRef: 'abc123' });
  expect(await ledger.claim('w/r/a', request(1, 'host-b/2'))).toMatchObject({ held: false, entry: { owner: 'host-a/1', attempt: 1 } });
  const takeover = await ledger.claim('w/r/a', { ...request(2, 'host-b/2'), startedAt: '2026-11-24T10:05:00.000Z', pinnedRef: 'def456' });
  expect(takeover).toMatchObject({
    held: true,
    entry: { status: 'started', owner: 'host-b/2', attempt: 2, startedAt: '2026-11-24T10:00:00.000Z', pinnedRef: 'abc123' },
    previous: { owner: 'host-a/1', attempt: 1 },
  });
  // The attempt that was given up on cannot overwrite the new holder's outcome.
  expect(await ledger.settle('w/r/a', { status: 'done', owner: 'host-a/1', attempt: 1, startedAt: '2026-11-24T10:00:00.000Z', record: done })).toBe(false);
  expect(await ledger.get('w/r/a')).toMatchObject({ status: 'started', owner: 'host-b/2' });
});

test('a finished entry (done or failed) is taken over by any later claim, which sees it as previous', async () => {
  const ledger = new MemoryIdempotencyLedger();
  const first = await ledger.claim('k', request(1));
  await ledger.settle('k', { ...first.entry, status: 'failed', error: 'ECONNREFUSED' });
  expect(await ledger.claim('k', request(2))).toMatchObject({ held: true, previous: { status: 'failed', error: 'ECONNREFUSED' } });
});

test('keys that look alike, or try to escape the folder, get their own files', async () => {
  const dir = ledgerDir();
  const ledger = new FileIdempotencyLedger(dir);
  const keys = ['inc 1/app/0/web', 'inc_1/app/0/web', 'inc-1/app/0/wéb', 'inc-1/../../etc'];
  await Promise.all(keys.map((k, i) => ledger.claim(k, request(i + 1))));
  expect(readdirSync(dir)).toHaveLength(4);
  for (const [i, k] of keys.entries()) expect((await ledger.get(k))?.attempt).toBe(i + 1);
  expect(JSON.parse(readFileSync(ledger.fileFor('inc-1/app/0/wéb'), 'utf8'))).toMatchObject({ key: 'inc-1/app/0/wéb', value: { attempt: 3 } });
});

test('a file that holds another key is an error, not a silent answer', async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  await ledger.claim('inc-1/a', request(1));
  writeFileSync(ledger.fileFor('inc-1/a'), JSON.stringify({ key: 'inc-2/a', value: {} }));
  expect(await caught(ledger.get('inc-1/a'))).toMatchObject({ type: 'LedgerKeyCollision' });
});

test('claims of one key in one process take turns: of two at once for the same attempt, one holds', async () => {
  const ledger = new FileIdempotencyLedger(ledgerDir());
  const claims = await Promise.all([ledger.claim('k', request(1, 'a')), ledger.claim('k', request(1, 'b'))]);
  expect(claims.map((c) => c.held).sort()).toEqual([false, true]);
});
