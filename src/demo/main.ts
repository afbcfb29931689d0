// Runs one demo service from the command line (README, "Watching a plan"):
//   npx tsx src/demo/main.ts --version bad --error-rate 0.5 --port 9102
import { parseArgs } from 'node:util';
import { startDemoService } from './service';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: 'string', default: 'stable' },
      'error-rate': { type: 'string', default: '0.5' },
      'metric-prefix': { type: 'string', default: 'demo' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'latency-ms': { type: 'string', default: '0' },
    },
  });
  if (values.version !== 'stable' && values.version !== 'bad') throw new Error(`--version is stable or bad, not ${values.version}`);
  const service = await startDemoService({
    version: values.version,
    errorRate: Number(values['error-rate']),
    metricPrefix: values['metric-prefix'],
    port: Number(values.port),
    host: values.host,
    latencyMs: Number(values['latency-ms']),
  });
  process.stdout.write(`demo ${service.version} listening on ${service.url} (metrics at ${service.url}/metrics)\n`);
  const stop = () => void service.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
});
