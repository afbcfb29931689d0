// redis-server from Debian's package: loopback, free port, no persistence, data dir in a
// temp folder. Runs fine as root.
import { connect } from 'node:net';
import { freePort, spawnServer, tempDir, waitUntil } from './process';

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:<port> (no password: loopback only). */
  url: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startRedis(binary = '/usr/bin/redis-server'): Promise<RedisServer> {
  const dir = tempDir('redis');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--databases', '16'];
  const proc = spawnServer({ name: 'redis', command: binary, args, dir, stopSignal: 'SIGTERM' });
  await waitUntil(proc, 'redis-server', () => pong(port));
  return { port, url: `redis://127.0.0.1:${port}`, dir, logFile: proc.logFile, stop: proc.stop };
}

function pong(port: number): Promise<boolean> {
  return new Promise((done) => {
    const conn = connect(port, '127.0.0.1', () => conn.write('PING\r\n'));
    conn.once('data', (d) => {
      done(d.toString().startsWith('+PONG'));
      conn.destroy();
    });
    conn.on('error', () => done(false));
  });
}
