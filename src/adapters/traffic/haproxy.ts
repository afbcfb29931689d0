// HAProxy as a TrafficRouter through its Runtime API (the admin stats socket): weights and
// states change in the running process at once, with no reload and no dropped connection.
// A 0 % pool is put in DRAIN (no new traffic, its open requests finish) rather than MAINT.
// Runtime changes are not written back to haproxy.cfg: a restart or reload of HAProxy
// brings back the file's weights, which the record says so the on-call can follow up.
import { connect } from 'node:net';
import type { HaproxyTrafficConfig } from '../../plan/language/adapters';
import { describeNetworkFailure, UnavailableError, RefusedError } from '../errors';
import type { ActionRecord, TrafficRouter, TrafficState } from '../roles';
import { checkPercent, splitPercent, toPercent } from './weights';

const VENDOR = 'haproxy';
/** HAProxy's largest server weight. */
const MAX_WEIGHT = 256;

export type HaproxyRouterConfig = Omit<HaproxyTrafficConfig, 'type'> & { timeoutMs?: number };

interface ServerStat {
  name: string;
  /** Effective weight as HAProxy reports it. */
  weight: number;
  /** UP, DOWN, DRAIN, MAINT, "no check", … */
  status: string;
  /** Current sessions. */
  scur: number;
}

export class HaproxyRouter implements TrafficRouter {
  constructor(private readonly config: HaproxyRouterConfig) {}

  async shift(service: string, pool: string, percent: number): Promise<ActionRecord> {
    const svc = this.service(service);
    if (!(pool in svc.pools)) throw new RefusedError(VENDOR, `service ${service} has no pool "${pool}" (pools: ${Object.keys(svc.pools).join(', ')})`);
    const bad = checkPercent(percent);
    if (bad) throw new RefusedError(VENDOR, bad);
    const servers = await this.servers(service);
    const previous = toPercent(this.poolWeights(service, servers));
    const next = splitPercent(previous, pool, percent);
    const weights = serverWeights(svc.pools, next);
    if (![...weights.values()].some((w) => w > 0))
      throw new RefusedError(VENDOR, `${service}: ${percent} % to ${pool} leaves no server taking traffic in backend ${svc.backend}`);

    // Raise the receiving servers first, then lower the others: never a moment with none up.
    const order = [...weights.entries()].sort(([, a], [, b]) => b - a);
    const commands = order.flatMap(([server, w]) => {
      const target = `${svc.backend}/${server}`;
      return w > 0 ? [`set server ${target} state ready`, `set server ${target} weight ${w}`] : [`set server ${target} state drain`];
    });
    const outputs: string[] = [];
    for (const command of commands) {
      const answer = (await this.send(command)).trim();
      outputs.push(`> ${command}${answer ? `\n${answer}` : ''}`);
      if (answer !== '') {
        return {
          ok: false,
          summary: `${service}: HAProxy refused "${command}": ${answer}`,
          command: commands.join('; '),
          output: outputs.join('\n'),
          details: { backend: svc.backend, previous, socket: this.config.socket },
        };
      }
    }
    return {
      ok: true,
      summary: `${service}: ${Object.entries(next)
        .map(([p, v]) => `${p} ${Math.round(v * 100) / 100} %`)
        .join(', ')} (HAProxy backend ${svc.backend}, runtime weights; not persisted to haproxy.cfg)`,
      command: commands.join('; '),
      exitCode: 0,
      output: outputs.join('\n'),
      details: { backend: svc.backend, previous, weights: toPercent(next), serverWeights: Object.fromEntries(weights), persisted: false },
    };
  }

  async weights(service: string): Promise<Record<string, number>> {
    return toPercent(this.poolWeights(service, await this.servers(service)));
  }

  /** The running process's weights and states (`show stat`): what it serves, not what it was told. */
  async readBack(service: string): Promise<TrafficState> {
    const servers = await this.servers(service);
    const members = new Set(Object.values(this.service(service).pools).flat());
    const idle = Object.fromEntries(
      servers.filter((s) => members.has(s.name) && !takesTraffic(s)).map((s) => [s.name, s.weight === 0 ? `${s.status}, weight 0` : s.status]),
    );
    return {
      weights: toPercent(this.poolWeights(service, servers)),
      source: `HAProxy runtime API (backend ${this.service(service).backend})`,
      idle,
      live: true,
    };
  }

  /** Sessions currently open to the service's servers (HAProxy's `scur`), all pools together. */
  async activeRequests(service: string): Promise<number> {
    return (await this.servers(service)).reduce((sum, s) => sum + s.scur, 0);
  }

  private service(service: string) {
    const svc = this.config.services[service];
    if (!svc)
      throw new RefusedError(VENDOR, `no HAProxy configuration for service ${service} (known: ${Object.keys(this.config.services).join(', ') || 'none'})`);
    return svc;
  }

  /** The backend's servers from `show stat`; refuses when the backend or a pool's server is missing. */
  private async servers(service: string): Promise<ServerStat[]> {
    const svc = this.service(service);
    const rows = parseCsv(await this.send('show stat'));
    const backend = rows.filter((r) => r.pxname === svc.backend);
    if (backend.length === 0) throw new RefusedError(VENDOR, `HAProxy has no backend ${svc.backend}`);
    const servers = backend
      .filter((r) => r.svname !== 'BACKEND' && r.svname !== 'FRONTEND')
      .map((r) => ({ name: r.svname ?? '', weight: Number(r.weight ?? 0), status: r.status ?? '', scur: Number(r.scur ?? 0) }));
    const names = new Set(servers.map((s) => s.name));
    const missing = Object.values(svc.pools)
      .flat()
      .filter((s) => !names.has(s));
    if (missing.length > 0) throw new RefusedError(VENDOR, `backend ${svc.backend} has no server ${missing.join(', ')}`);
    return servers;
  }

  /** Weight a pool really takes now: drained, in maintenance or down servers take nothing. */
  private poolWeights(service: string, servers: ServerStat[]): Record<string, number> {
    const svc = this.service(service);
    const byName = new Map(servers.map((s) => [s.name, s]));
    return Object.fromEntries(
      Object.entries(svc.pools).map(([pool, members]) => [
        pool,
        members.reduce((sum, m) => {
          const s = byName.get(m)!;
          return sum + (takesTraffic(s) ? s.weight : 0);
        }, 0),
      ]),
    );
  }

  /** One Runtime API command per connection (non-interactive mode): HAProxy answers and closes. */
  private send(command: string): Promise<string> {
    const socket = this.config.socket;
    return new Promise((done, fail) => {
      const conn = connect(socket, () => conn.end(`${command}\n`));
      let text = '';
      conn.setTimeout(this.config.timeoutMs ?? 5000, () => conn.destroy(new Error('timed out')));
      conn.on('data', (d) => (text += d.toString()));
      conn.on('end', () => done(text));
      conn.on('error', (error) =>
        fail(new UnavailableError(VENDOR, `runtime API at ${socket}: ${describeNetworkFailure(error)}`, undefined, { cause: error })),
      );
    });
  }
}

/** Up (or not health-checked) with a weight: drained, in maintenance or down servers take nothing. */
function takesTraffic(s: ServerStat): boolean {
  return /^(UP|no check)/.test(s.status) && s.weight > 0;
}

/** Each pool's share spread evenly over its servers, scaled so the largest weight is 256. */
function serverWeights(pools: Record<string, string[]>, percents: Record<string, number>): Map<string, number> {
  const raw = new Map<string, number>();
  for (const [pool, members] of Object.entries(pools)) for (const m of members) raw.set(m, (percents[pool] ?? 0) / members.length);
  const top = Math.max(...raw.values());
  const weights = new Map<string, number>();
  for (const [m, r] of raw) weights.set(m, r <= 0 ? 0 : Math.max(1, Math.round((r / top) * MAX_WEIGHT)));
  return weights;
}

/** `show stat` is CSV with a "# " header line. */
function parseCsv(text: string): Array<Record<string, string>> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (!header?.startsWith('# ')) throw new UnavailableError(VENDOR, `unexpected answer to show stat: ${header ?? '(empty)'}`);
  const columns = header.slice(2).split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
  });
}
