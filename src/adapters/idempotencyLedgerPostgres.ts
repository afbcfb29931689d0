// The step guard in PostgreSQL, shared by every worker of a deployment: a retry that lands
// on another machine finds the claim, the pinned ref and the outcome the first attempt left.
// A claim is one transaction: INSERT … ON CONFLICT DO NOTHING takes a new key; an existing
// row is locked (SELECT … FOR UPDATE) and taken over only by the rule in mayTakeOver, so two
// workers claiming at once never both hold a step. Settling is conditional on still holding it.
import { Pool, type PoolClient } from 'pg';
import { describeNetworkFailure, UnavailableError } from './errors';
import { freshClaim, mayTakeOver, takenOver, type Claim, type ClaimRequest, type IdempotencyStore, type StepLedgerEntry } from './idempotencyLedger';

const VENDOR = 'step guard (postgres)';
export const DEFAULT_GUARD_TABLE = 'rollback_step_guard';

export interface PostgresLedgerOptions {
  url: string;
  /** Table name, optionally schema-qualified (default rollback_step_guard). */
  table?: string;
  connectTimeoutMs?: number;
}

export class PostgresIdempotencyLedger implements IdempotencyStore {
  private readonly pool: Pool;
  private readonly table: string;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresLedgerOptions) {
    this.pool = new Pool({ connectionString: options.url, max: 4, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000 });
    this.pool.on('error', () => {
      // an idle connection dropped; the next query reconnects or reports it
    });
    this.table = (options.table ?? DEFAULT_GUARD_TABLE)
      .split('.')
      .map((part) => `"${part.replace(/"/g, '""')}"`)
      .join('.');
  }

  /** Creates the table if needed; the worker calls it at boot so a wrong URL stops it there. */
  open(): Promise<void> {
    this.ready ??= this.withClient(async (client) => {
      try {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${this.table} (
             key text PRIMARY KEY,
             status text NOT NULL,
             owner text NOT NULL,
             attempt integer NOT NULL,
             entry jsonb NOT NULL,
             updated_at timestamptz NOT NULL DEFAULT now()
           )`,
        );
      } catch (error) {
        // Two workers creating it at the same moment: one wins, the other sees it exists.
        if (!['23505', '42P07'].includes((error as { code?: string }).code ?? '')) throw error;
      }
    }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async get(key: string): Promise<StepLedgerEntry | undefined> {
    await this.open();
    return this.withClient(async (client) => {
      const { rows } = await client.query<{ entry: StepLedgerEntry }>(`SELECT entry FROM ${this.table} WHERE key = $1`, [key]);
      return rows[0]?.entry;
    });
  }

  async claim(key: string, request: ClaimRequest): Promise<Claim> {
    await this.open();
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const fresh = freshClaim(request);
        const inserted = await client.query(
          `INSERT INTO ${this.table} (key, status, owner, attempt, entry) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
          [key, fresh.status, fresh.owner, fresh.attempt, fresh],
        );
        let claim: Claim;
        if (inserted.rowCount === 1) {
          claim = { held: true, entry: fresh };
        } else {
          const { rows } = await client.query<{ entry: StepLedgerEntry }>(`SELECT entry FROM ${this.table} WHERE key = $1 FOR UPDATE`, [key]);
          const existing = rows[0].entry;
          if (mayTakeOver(existing, request.attempt)) {
            const entry = takenOver(existing, request);
            await client.query(`UPDATE ${this.table} SET status = $2, owner = $3, attempt = $4, entry = $5, updated_at = now() WHERE key = $1`, [
              key,
              entry.status,
              entry.owner,
              entry.attempt,
              entry,
            ]);
            claim = { held: true, entry, previous: existing };
          } else {
            claim = { held: false, entry: existing };
          }
        }
        await client.query('COMMIT');
        return claim;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async settle(key: string, entry: StepLedgerEntry): Promise<boolean> {
    await this.open();
    return this.withClient(async (client) => {
      const result = await client.query(
        `INSERT INTO ${this.table} AS t (key, status, owner, attempt, entry) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (key) DO UPDATE SET status = EXCLUDED.status, entry = EXCLUDED.entry, updated_at = now()
         WHERE t.owner = EXCLUDED.owner AND t.attempt = EXCLUDED.attempt`,
        [key, entry.status, entry.owner, entry.attempt, entry],
      );
      return result.rowCount === 1;
    });
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      // The URL may hold a password: never in the message.
      throw new UnavailableError(VENDOR, `cannot connect: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    try {
      return await work(client);
    } catch (error) {
      if (typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code)) throw error;
      throw new UnavailableError(VENDOR, describeNetworkFailure(error), undefined, { cause: error });
    } finally {
      client.release();
    }
  }
}
