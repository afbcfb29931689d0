// nginx from Debian's package, in the foreground with its own config, pid file, logs and
// temp paths in a temp folder, listening on free loopback ports. The upstream blocks live
// in a separate include file: that is the file NginxRouter rewrites.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpOk, spawnServer, tempDir, waitUntil } from './process';

export interface NginxOptions {
  /** Initial content of the upstream include file (`upstream <name> { server …; }` blocks). */
  upstreams: string;
  /** Path prefix → upstream name; e.g. { '/': 'checkout' }. */
  routes: Record<string, string>;
  binary?: string;
}

export interface NginxServer {
  port: number;
  url: string;
  /** stub_status page (its own server block, so it never shows up in proxied traffic). */
  statusUrl: string;
  /** Main config: `nginx -t -c <conf>` and `nginx -s reload -c <conf>` need it. */
  conf: string;
  upstreamFile: string;
  pidFile: string;
  binary: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startNginx(options: NginxOptions): Promise<NginxServer> {
  const binary = options.binary ?? '/usr/sbin/nginx';
  const dir = tempDir('nginx');
  // As root, nginx runs its workers as `nobody`: they must reach the temp paths inside.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const statusPort = await freePort();
  const conf = join(dir, 'nginx.conf');
  const upstreamFile = join(dir, 'upstreams.conf');
  const pidFile = join(dir, 'nginx.pid');
  const temp = join(dir, 'temp');
  mkdirSync(temp, { mode: 0o755 });
  writeFileSync(upstreamFile, options.upstreams);
  const locations = Object.entries(options.routes)
    .map(([path, upstream]) => `    location ${path} { proxy_pass http://${upstream}; }`)
    .join('\n');
  writeFileSync(
    conf,
    `daemon off;
master_process on;
worker_processes 1;
pid ${pidFile};
error_log ${join(dir, 'error.log')} notice;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  include ${upstreamFile};
  server {
    listen 127.0.0.1:${port};
${locations}
  }
  server {
    listen 127.0.0.1:${statusPort};
    location = /nginx_status { stub_status; }
  }
}
`,
  );
  // -e: the error log before the config is read (the package's default is /var/log/nginx).
  const proc = spawnServer({ name: 'nginx', command: binary, args: ['-e', join(dir, 'error.log'), '-c', conf], dir, stopSignal: 'SIGQUIT' });
  const statusUrl = `http://127.0.0.1:${statusPort}/nginx_status`;
  await waitUntil(proc, 'nginx', () => httpOk(statusUrl));
  return { port, url: `http://127.0.0.1:${port}`, statusUrl, conf, upstreamFile, pidFile, binary, dir, logFile: join(dir, 'error.log'), stop: proc.stop };
}
