// Prometheus from Debian's package: one static scrape job over the given targets, scraped
// every second so a test sees a sample within about a second; TSDB in a temp folder.
// Optionally with rule files, evaluated every second, and an Alertmanager to send alerts to.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpOk, spawnServer, tempDir, waitUntil } from './process';

export interface PrometheusServer {
  port: number;
  url: string;
  config: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Rule files to load (absolute paths). */
  ruleFiles?: string[];
  /** host:port of the Alertmanager that firing alerts go to. */
  alertmanager?: string;
  binary?: string;
}

/** `scrapeTargets` are host:port pairs serving /metrics; they get `job="test"`. */
export async function startPrometheus(scrapeTargets: string[], options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const binary = options.binary ?? '/usr/bin/prometheus';
  const dir = tempDir('prometheus');
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: test
    static_configs:
      - targets: ${JSON.stringify(scrapeTargets)}
${options.ruleFiles ? `rule_files: ${JSON.stringify(options.ruleFiles)}\n` : ''}${
      options.alertmanager ? `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ${JSON.stringify([options.alertmanager])}\n` : ''
    }`,
  );
  const args = [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  const proc = spawnServer({ name: 'prometheus', command: binary, args, dir, stopSignal: 'SIGTERM' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(proc, 'prometheus', () => httpOk(`${url}/-/ready`));
  return { port, url, config, dir, logFile: proc.logFile, stop: proc.stop };
}
