// Seed 000's world on this machine, shared by the tests that run its plan: a local reserves
// service whose health endpoint reports the v1.1 flag as the flag store has it, and whose
// /metrics (scraped by a real Prometheus) give the error rate and p95 latency; and the seed
// plan pointed at it, minutes made seconds.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusServer } from '../../support/servers';
import { seedCheck, seedPlan, type PlanDocument } from './seedPlan';

/**
 * The reserves service: v1.1 fails 0.4 % of calculations while its flag is on; with the
 * legacy engine the error rate is back to baseline — unless `lingering` keeps it up (errors
 * still draining after the switch).
 */
export interface ReservesService {
  url: string;
  address: string;
  lingering: boolean;
  stop(): Promise<void>;
}

/** `v11On` reads ff_reserves_v11 from wherever the test's flag store keeps it. */
export async function startReserves(v11On: () => Promise<boolean>): Promise<ReservesService> {
  const service = { lingering: false } as ReservesService;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const on = await v11On();
      if (req.url === '/api/reserves/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', features: { reserves_v11: on, engine: on ? 'v1.1' : 'legacy' } }));
      } else if (req.url === '/metrics') {
        const bad = on || service.lingering;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(`reserves_error_rate ${bad ? 0.004 : 0.00004}\nreserves_p95_latency_seconds ${bad ? 0.62 : 0.08}\n`);
      } else {
        res.writeHead(404).end();
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  service.url = `http://127.0.0.1:${port}`;
  service.address = `127.0.0.1:${port}`;
  service.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return service;
}

/** The seed plan in this world: api.example.com is the local service, minutes are seconds, flags where `flags` says. */
export function reservesPlan(
  world: { reserves: ReservesService; prometheus: PrometheusServer; flags: NonNullable<PlanDocument['adapters']>['flags'] },
  escalation: { lead: string; manager: string } = { lead: '5s', manager: '15s' },
) {
  const { reserves, prometheus, flags } = world;
  return seedPlan('reserves-v11', (doc) => {
    doc.adapters = { flags, metrics: { type: 'prometheus', url: prometheus.url } };
    // §Verification Steps 1, unchanged but for the host.
    const features = seedCheck(doc, 'reserves-features', 'command');
    features.command = features.command.replace('https://api.example.com', reserves.url);
    // §Monitoring During Rollback: the two metrics as the service exports them; "within" in seconds.
    Object.assign(seedCheck(doc, 'error-rate-recovered', 'metric'), { query: 'reserves_error_rate', within: '30s' });
    Object.assign(seedCheck(doc, 'latency-recovered', 'metric'), { query: 'reserves_p95_latency_seconds', sampleUnit: 's', within: '30s' });
    const [oncall, lead, manager] = doc.authority.escalation!;
    oncall.after = '0s';
    lead.after = escalation.lead;
    manager.after = escalation.manager;
    doc.timing!.sla!.within = '1m';
    doc.timing!.targets![0].within = '30s';
  });
}
