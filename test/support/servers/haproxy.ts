// HAProxy from Debian's package, in the foreground (-db) with the Runtime API on an admin
// stats socket in a temp folder; one frontend on a free loopback port.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnServer, tempDir, waitUntil } from './process';
import { connect } from 'node:net';

export interface HaproxyOptions {
  /** backend → server name → { address, weight, check }; the first backend is the default one. */
  backends: Record<string, Record<string, { address: string; weight?: number; /** health-check it every 100 ms (down after one failure) */ check?: boolean }>>;
  binary?: string;
}

export interface HaproxyServer {
  port: number;
  url: string;
  /** Runtime API (stats socket, level admin). */
  socket: string;
  config: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startHaproxy(options: HaproxyOptions): Promise<HaproxyServer> {
  const binary = options.binary ?? '/usr/sbin/haproxy';
  const dir = tempDir('haproxy');
  const port = await freePort();
  const socket = join(dir, 'admin.sock');
  const config = join(dir, 'haproxy.cfg');
  const names = Object.keys(options.backends);
  const backends = Object.entries(options.backends)
    .map(
      ([backend, servers]) =>
        `backend ${backend}\n  balance roundrobin\n` +
        Object.entries(servers)
          .map(([name, s]) => `  server ${name} ${s.address} weight ${s.weight ?? 1}${s.check ? ' check inter 100ms fall 1 rise 1' : ''}\n`)
          .join(''),
    )
    .join('\n');
  writeFileSync(
    config,
    `global
  stats socket ${socket} mode 600 level admin
  stats timeout 30s
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
frontend main
  bind 127.0.0.1:${port}
  default_backend ${names[0]}
${backends}`,
  );
  const proc = spawnServer({ name: 'haproxy', command: binary, args: ['-db', '-f', config], dir, stopSignal: 'SIGTERM' });
  await waitUntil(proc, 'haproxy', () => answersOnSocket(socket));
  return { port, url: `http://127.0.0.1:${port}`, socket, config, dir, logFile: proc.logFile, stop: proc.stop };
}

function answersOnSocket(path: string): Promise<boolean> {
  return new Promise((done) => {
    const conn = connect(path, () => conn.end('show info\n'));
    let text = '';
    conn.on('data', (d) => (text += d.toString()));
    conn.on('end', () => done(text.includes('Name: HAProxy')));
    conn.on('error', () => done(false));
  });
}
