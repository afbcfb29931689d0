// The shared step guard against a real PostgreSQL 15: claims are atomic across clients (two
// workers on two machines are two pools here), and an attempt Temporal gave up on can
// neither hold nor overwrite a step another attempt took over.
import { Client } from 'pg';
import { PostgresIdempotencyLedger } from '../../../src/adapters/idempotencyLedgerPostgres';
import type { ClaimRequest } from '../../../src/adapters/idempotencyLedger';
import { caught } from '../../support/caught';
import { startPostgres, stopAll, type PostgresServer } from '../../support/servers';

const request = (attempt: number, owner: string): ClaimRequest => ({ owner, attempt, startedAt: new Date().toISOString() });

describe('PostgresIdempotencyLedger (real PostgreSQL)', () => {
  let pg: PostgresServer;
  let workerA: PostgresIdempotencyLedger;
  let workerB: PostgresIdempotencyLedger;

  beforeAll(async () => {
    pg = await startPostgres();
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE guard');
    await admin.end();
    workerA = new PostgresIdempotencyLedger({ url: pg.urlFor('guard') });
    workerB = new PostgresIdempotencyLedger({ url: pg.urlFor('guard') });
    // Both workers boot at once: creating the table twice is not an error.
    await Promise.all([workerA.open(), workerB.open()]);
  });

  afterAll(async () => {
    await Promise.all([workerA?.close(), workerB?.close()]);
    await stopAll();
  });

  test('a claim, its outcome, and the record read by another worker', async () => {
    const claim = await workerA.claim('wf/run-1/L1#1/0', { ...request(1, 'host-a/1'), pinnedRef: 'abc123' });
    expect(claim).toMatchObject({ held: true, entry: { status: 'started', owner: 'host-a/1', attempt: 1, pinnedRef: 'abc123' } });
    expect(await workerA.settle('wf/run-1/L1#1/0', { ...claim.entry, status: 'done', record: { ok: true, summary: 'flag x turned off' } })).toBe(true);
    expect(await workerB.get('wf/run-1/L1#1/0')).toMatchObject({
      status: 'done',
      owner: 'host-a/1',
      pinnedRef: 'abc123',
      record: { summary: 'flag x turned off' },
    });
    expect(await workerB.get('wf/run-2/L1#1/0')).toBeUndefined();
  });

  test('100 claims of one step by two workers at the same moment: exactly one holds it', async () => {
    const key = 'wf/run-race/L1#1/0';
    const claims = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? workerA : workerB).claim(key, request(1, `host-${i}`))));
    const holders = claims.filter((c) => c.held);
    expect(holders).toHaveLength(1);
    const holder = holders[0].entry.owner;
    expect(claims.filter((c) => !c.held).every((c) => c.entry.owner === holder)).toBe(true);
    expect(await workerA.get(key)).toMatchObject({ status: 'started', owner: holder });
  });

  test("a later attempt takes over an earlier attempt's claim (it died mid-step); the earlier one cannot settle any more", async () => {
    const key = 'wf/run-3/L1#1/0';
    const first = await workerA.claim(key, { ...request(1, 'host-a/1'), pinnedRef: 'abc123' });
    expect(await workerB.claim(key, request(1, 'host-b/2'))).toMatchObject({ held: false, entry: { owner: 'host-a/1' } });
    const second = await workerB.claim(key, { ...request(2, 'host-b/2'), pinnedRef: 'def456' });
    expect(second).toMatchObject({ held: true, entry: { owner: 'host-b/2', attempt: 2, pinnedRef: 'abc123' }, previous: { owner: 'host-a/1', attempt: 1 } });
    expect(await workerA.settle(key, { ...first.entry, status: 'done', record: { ok: true, summary: 'late' } })).toBe(false);
    expect(await workerB.settle(key, { ...second.entry, status: 'done', record: { ok: true, summary: 'on time' } })).toBe(true);
    expect(await workerA.get(key)).toMatchObject({ status: 'done', owner: 'host-b/2', record: { summary: 'on time' } });
  });

  test('two later attempts racing for a dead claim: one takes it over', async () => {
    const key = 'wf/run-4/L1#1/0';
    await workerA.claim(key, request(1, 'host-a/1'));
    const claims = await Promise.all([workerA.claim(key, request(2, 'host-a/1')), workerB.claim(key, request(2, 'host-b/2'))]);
    expect(claims.filter((c) => c.held)).toHaveLength(1);
  });

  test('an unreachable server is Unavailable (retryable), and the message holds no password', async () => {
    const guard = new PostgresIdempotencyLedger({ url: `postgres://rollback:s3cret-pass@127.0.0.1:9/guard`, connectTimeoutMs: 2000 });
    const error = await caught(guard.claim('k', request(1, 'h')));
    expect(error).toMatchObject({ type: 'Unavailable', retryable: true });
    expect((error as Error).message).not.toContain('s3cret-pass');
    await guard.close();
  });
});
