// Alertmanager from Debian's package, with a receiver that sends nothing unless a test gives
// its own configuration (e.g. a webhook to the API). Clustering is
// switched off (empty --cluster.listen-address): otherwise it binds 0.0.0.0:9094 and
// collides with a system Alertmanager or another test.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpOk, spawnServer, tempDir, waitUntil } from './process';

export interface AlertmanagerServer {
  port: number;
  url: string;
  config: string;
  dir: string;
  logFile: string;
  /** Posts alerts to the v2 API the way Prometheus does. */
  post(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; endsAt?: string }>): Promise<void>;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** alertmanager.yml; it is written in the server's own folder, which `dir` names (for credentials files). */
  config?: (dir: string) => string;
  binary?: string;
}

export async function startAlertmanager(options: AlertmanagerOptions = {}): Promise<AlertmanagerServer> {
  const binary = options.binary ?? '/usr/bin/prometheus-alertmanager';
  const dir = tempDir('alertmanager');
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, options.config?.(dir) ?? `route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n`);
  const args = [
    `--config.file=${config}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ];
  const proc = spawnServer({ name: 'alertmanager', command: binary, args, dir, stopSignal: 'SIGTERM' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(proc, 'alertmanager', () => httpOk(`${url}/-/ready`));
  return {
    port,
    url,
    config,
    dir,
    logFile: proc.logFile,
    async post(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`alertmanager refused alerts: HTTP ${res.status} ${await res.text()}`);
    },
    stop: proc.stop,
  };
}
