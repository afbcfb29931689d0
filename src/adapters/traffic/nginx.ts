// nginx as a TrafficRouter. nginx has no API for upstream weights in the open-source
// build, so the adapter owns an include file with the `upstream` blocks and changes
// traffic the way an operator would: rewrite the `server` lines, `nginx -t`, then
// `nginx -s reload` — both with the same `-c` as the running master, or they act on the
// package's default config. A reload is graceful (in-flight requests finish on the old
// workers), and only counts once the master has really started workers with the new file.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { request } from 'undici';
import type { NginxTrafficConfig } from '../../plan/language/adapters';
import { describeNetworkFailure, UnavailableError, RefusedError } from '../errors';
import { execTool } from '../exec';
import type { ActionRecord, TrafficRouter, TrafficState } from '../roles';
import { checkPercent, splitPercent, toPercent } from './weights';

const VENDOR = 'nginx';

export type NginxRouterConfig = Omit<NginxTrafficConfig, 'type'> & {
  /** How long a reload may take to bring up new workers (default 10 s). */
  reloadTimeoutMs?: number;
};

interface ServerLine {
  address: string;
  /** 0 for `down` and `backup` servers: they get no share of normal traffic. */
  weight: number;
}

/** Serialises rewrites of one upstream file inside this worker (shifts of two services share it). */
const fileLocks = new Map<string, Promise<unknown>>();

export class NginxRouter implements TrafficRouter {
  private readonly binary: string;

  constructor(private readonly config: NginxRouterConfig) {
    this.binary = config.binary ?? 'nginx';
  }

  async shift(service: string, pool: string, percent: number): Promise<ActionRecord> {
    const svc = this.service(service);
    if (!(pool in svc.pools)) throw new RefusedError(VENDOR, `service ${service} has no pool "${pool}" (pools: ${Object.keys(svc.pools).join(', ')})`);
    const bad = checkPercent(percent);
    if (bad) throw new RefusedError(VENDOR, bad);
    return withLock(this.config.upstreamFile, () => this.rewrite(service, pool, percent));
  }

  async weights(service: string): Promise<Record<string, number>> {
    const svc = this.service(service);
    const text = await readIfExists(this.config.upstreamFile);
    const block = findBlock(text, upstreamName(service, svc));
    if (!block) throw new RefusedError(VENDOR, `${this.config.upstreamFile} has no upstream ${upstreamName(service, svc)}`);
    return toPercent(this.poolWeights(service, parseServers(block.body)));
  }

  /**
   * The upstream file's weights, and whether nginx serves them: every worker still accepting
   * requests must have started after the file last changed (a reload that did not happen, or
   * did not take, leaves older workers serving the older upstreams).
   */
  async readBack(service: string): Promise<TrafficState> {
    const svc = this.service(service);
    const file = this.config.upstreamFile;
    const block = findBlock(await readIfExists(file), upstreamName(service, svc));
    if (!block) throw new RefusedError(VENDOR, `${file} has no upstream ${upstreamName(service, svc)}`);
    const servers = parseServers(block.body);
    const idle = Object.fromEntries(servers.filter((s) => s.weight === 0).map((s) => [s.address, 'down']));
    const live = await servingSince(this.config.conf, (await stat(file)).mtimeMs);
    return { weights: toPercent(this.poolWeights(service, servers)), source: `nginx upstream file ${file}`, idle, ...(live === undefined ? {} : { live }) };
  }

  /**
   * Requests nginx is working on, from stub_status: Reading + Writing (a proxied request
   * waiting for its upstream counts as Writing), minus the status request itself. stub_status
   * counts the whole nginx, not one upstream: give each service its own statusUrl (a status
   * page on that service's nginx) when one nginx serves several.
   */
  async activeRequests(service: string): Promise<number> {
    const svc = this.service(service);
    const url = svc.statusUrl ?? this.config.statusUrl;
    if (!url) throw new RefusedError(VENDOR, `no statusUrl (stub_status page) configured for ${service}`);
    let text: string;
    try {
      const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
      text = await res.body.text();
      if (res.statusCode !== 200) throw new UnavailableError(VENDOR, `stub_status answered HTTP ${res.statusCode}`, res.statusCode);
    } catch (error) {
      if (error instanceof UnavailableError) throw error;
      throw new UnavailableError(VENDOR, `stub_status at ${url}: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    const reading = /Reading:\s*(\d+)/.exec(text);
    const writing = /Writing:\s*(\d+)/.exec(text);
    if (!reading || !writing) throw new UnavailableError(VENDOR, `${url} is not a stub_status page`);
    return Math.max(0, Number(reading[1]) + Number(writing[1]) - 1);
  }

  private service(service: string) {
    const svc = this.config.services[service];
    if (!svc)
      throw new RefusedError(VENDOR, `no nginx configuration for service ${service} (known: ${Object.keys(this.config.services).join(', ') || 'none'})`);
    return svc;
  }

  /** Pool → summed server weight; refuses servers the plan does not know (we would drop them). */
  private poolWeights(service: string, servers: ServerLine[]): Record<string, number> {
    const svc = this.service(service);
    const poolOf = new Map<string, string>();
    for (const [pool, members] of Object.entries(svc.pools)) for (const m of members) poolOf.set(m, pool);
    const unknown = servers.filter((s) => !poolOf.has(s.address)).map((s) => s.address);
    if (unknown.length > 0) {
      throw new RefusedError(
        VENDOR,
        `upstream ${upstreamName(service, svc)} has servers in no pool of the plan: ${unknown.join(', ')}; add them to a pool first`,
      );
    }
    const weights: Record<string, number> = Object.fromEntries(Object.keys(svc.pools).map((p) => [p, 0]));
    for (const s of servers) weights[poolOf.get(s.address)!] += s.weight;
    return weights;
  }

  private async rewrite(service: string, pool: string, percent: number): Promise<ActionRecord> {
    const svc = this.service(service);
    const name = upstreamName(service, svc);
    const file = this.config.upstreamFile;
    const before = await readIfExists(file);
    const block = findBlock(before, name);
    const previous = toPercent(this.poolWeights(service, block ? parseServers(block.body) : []));
    const next = splitPercent(previous, pool, percent);
    const lines = serverLines(svc.pools, next);
    if (!lines.some((l) => /^\s*server .* weight=\d+;$/.test(l)))
      throw new RefusedError(VENDOR, `${service}: ${percent} % to ${pool} leaves no server up in upstream ${name}`);
    const after = replaceBlock(before, name, block, lines);
    const shares = describe(next);
    const details = { upstream: name, file, previous, weights: toPercent(next) };

    // Always validate and reload, even when the file already says this: a retry after a
    // crash between write and reload must still reach the running nginx.
    await atomicWrite(file, after);
    const test = await execTool(this.binary, ['-t', '-c', this.config.conf]);
    if (test.exitCode !== 0) {
      await atomicWrite(file, before);
      return {
        ok: false,
        summary: `${service}: nginx refused the new upstreams (file restored): ${lastLine(test.output)}`,
        command: test.command,
        exitCode: test.exitCode,
        output: test.output,
        details,
      };
    }
    const master = await masterPid(this.config.conf);
    const oldWorkers = master === undefined ? new Set<number>() : new Set((await children(master)).keys());
    const reload = await execTool(this.binary, ['-s', 'reload', '-c', this.config.conf]);
    if (reload.exitCode !== 0) {
      await atomicWrite(file, before);
      return {
        ok: false,
        summary: `${service}: nginx reload failed (file restored): ${lastLine(reload.output)}`,
        command: reload.command,
        exitCode: reload.exitCode,
        output: reload.output,
        details,
      };
    }
    const confirmed = master === undefined ? undefined : await reloaded(master, oldWorkers, this.config.reloadTimeoutMs ?? 10_000);
    if (confirmed === false) {
      await atomicWrite(file, before);
      return {
        ok: false,
        summary: `${service}: nginx did not start workers with the new upstreams (file restored; see nginx's error log)`,
        command: reload.command,
        exitCode: reload.exitCode,
        output: reload.output,
        details,
      };
    }
    return {
      ok: true,
      summary: `${service}: ${shares} (nginx upstream ${name} reloaded)`,
      command: `${test.command} && ${reload.command}`,
      exitCode: 0,
      output: [test.output, reload.output].filter(Boolean).join('\n'),
      details: { ...details, reloadConfirmed: confirmed ?? 'no pid file: not checked' },
    };
  }
}

function upstreamName(service: string, svc: { upstream?: string | undefined }): string {
  return svc.upstream ?? service;
}

function describe(percents: Record<string, number>): string {
  return Object.entries(percents)
    .map(([p, v]) => `${p} ${Math.round(v * 100) / 100} %`)
    .join(', ');
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = fileLocks.get(key) ?? Promise.resolve();
  const run = before.then(work, work);
  const settled = run.catch(() => undefined);
  fileLocks.set(key, settled);
  try {
    return await run;
  } finally {
    if (fileLocks.get(key) === settled) fileLocks.delete(key);
  }
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Write beside, then rename: nginx (or a person) never reads half a file. */
async function atomicWrite(file: string, text: string): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temp, text);
  await rename(temp, file);
}

interface Block {
  start: number;
  /** Index of the closing brace. */
  end: number;
  body: string;
}

/** `upstream <name> { … }`; upstream blocks hold no nested braces. */
function findBlock(text: string, name: string): Block | undefined {
  const open = new RegExp(`(^|\\n)[ \\t]*upstream\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{`).exec(text);
  if (!open) return undefined;
  const bodyStart = open.index + open[0].length;
  const end = text.indexOf('}', bodyStart);
  if (end < 0) return undefined;
  return { start: open.index + open[1].length, end, body: text.slice(bodyStart, end) };
}

function parseServers(body: string): ServerLine[] {
  const servers: ServerLine[] = [];
  for (const m of body.matchAll(/^\s*server\s+(\S+)([^;]*);/gm)) {
    const params = m[2].split(/\s+/);
    const weight = params.includes('down') || params.includes('backup') ? 0 : Number(/weight=(\d+)/.exec(m[2])?.[1] ?? 1);
    servers.push({ address: m[1], weight });
  }
  return servers;
}

/**
 * Server lines for the shares: each pool's share is spread evenly over its servers; nginx
 * wants integer weights ≥ 1, so 0 % becomes `down`. Shares are kept to 0.01 % and the
 * weights divided by their common divisor (100/0 → weight=1; 50/50 → 1 and 1).
 */
function serverLines(pools: Record<string, string[]>, percents: Record<string, number>): string[] {
  const lcm = Object.values(pools).reduce((acc, members) => (acc * members.length) / gcd(acc, members.length), 1);
  const weights = new Map<string, number>();
  for (const [pool, members] of Object.entries(pools)) {
    const hundredths = Math.round((percents[pool] ?? 0) * 100);
    for (const m of members) weights.set(m, (hundredths * lcm) / members.length);
  }
  const divisor = [...weights.values()].filter((w) => w > 0).reduce((a, b) => gcd(a, b), 0) || 1;
  const lines: string[] = [];
  for (const [pool, members] of Object.entries(pools)) {
    lines.push(`    # pool ${pool}: ${Math.round((percents[pool] ?? 0) * 100) / 100} %`);
    for (const m of members) {
      const w = weights.get(m)! / divisor;
      lines.push(w > 0 ? `    server ${m} weight=${w};` : `    server ${m} down;`);
    }
  }
  return lines;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Replaces the block's server lines (and our pool comments), keeping its other directives. */
function replaceBlock(text: string, name: string, block: Block | undefined, lines: string[]): string {
  if (!block) {
    const header =
      text === '' ? '# Upstreams managed by rollback-orchestrator (NginxRouter): traffic shifts rewrite the server lines.\n' : text.endsWith('\n') ? '' : '\n';
    return `${text}${header}upstream ${name} {\n${lines.join('\n')}\n}\n`;
  }
  const kept = block.body.split('\n').filter((l) => !/^\s*server\s/.test(l) && !/^\s*# pool /.test(l) && l.trim() !== '');
  const headerEnd = text.indexOf('{', block.start) + 1;
  return `${text.slice(0, headerEnd)}\n${[...kept, ...lines].join('\n')}\n${text.slice(block.end)}`;
}

/** The master's pid from the `pid` directive of the main config (or the package default). */
async function masterPid(conf: string): Promise<number | undefined> {
  const text = await readIfExists(conf);
  const pidFile = /^\s*pid\s+([^;\s]+)\s*;/m.exec(text)?.[1] ?? '/run/nginx.pid';
  const pid = Number((await readIfExists(pidFile)).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Child processes of `parent` with their titles ("nginx: worker process", "… is shutting down"). Linux /proc. */
async function children(parent: number): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return found;
  }
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const stat = await readFile(`/proc/${e}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid !== parent) return;
          found.set(Number(e), (await readFile(`/proc/${e}/cmdline`, 'utf8')).replace(/\0/g, ' ').trim());
        } catch {
          // the process went away while we looked
        }
      }),
  );
  return found;
}

/**
 * `nginx -s reload` only signals the master. The new upstreams serve requests once the
 * master has started new workers and told the old ones to stop accepting (their title
 * becomes "worker process is shutting down" as they close their listening sockets).
 * undefined when /proc cannot tell (not Linux).
 */
async function reloaded(master: number, oldWorkers: Set<number>, timeoutMs: number): Promise<boolean | undefined> {
  if (oldWorkers.size === 0) return undefined;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = await children(master);
    const fresh = [...now.keys()].some((pid) => !oldWorkers.has(pid));
    const oldAccepting = [...oldWorkers].some((pid) => {
      const title = now.get(pid);
      return title !== undefined && title.includes('worker process') && !title.includes('shutting down');
    });
    if (fresh && !oldAccepting) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Whether every worker of the running master that still accepts requests started after
 * `sinceMs` (ms since the epoch). undefined when it cannot tell (no pid file, not Linux).
 */
async function servingSince(conf: string, sinceMs: number): Promise<boolean | undefined> {
  const master = await masterPid(conf);
  if (master === undefined) return undefined;
  let uptime: number;
  try {
    uptime = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
  } catch {
    return undefined;
  }
  const bootMs = Date.now() - uptime * 1000;
  const workers = [...(await children(master)).entries()].filter(([, title]) => title.includes('worker process') && !title.includes('shutting down'));
  if (workers.length === 0) return undefined;
  const starts = await Promise.all(
    workers.map(async ([pid]) => {
      try {
        const text = await readFile(`/proc/${pid}/stat`, 'utf8');
        return bootMs + (Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]) / USER_HZ) * 1000;
      } catch {
        return undefined; // gone meanwhile
      }
    }),
  );
  // Start times are known to a tick and the boot time to two: allow that much.
  const slack = 3 * (1000 / USER_HZ);
  return starts.every((start) => start === undefined || start >= sinceMs - slack);
}
