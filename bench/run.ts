// `npm run bench`: numbers that matter to an on-call, printed as JSON. Each scenario that
// needs Temporal gets a dev server of its own (bench/world.ts); sizes come from BENCH_*
// variables (README, "Benchmarks"). BENCH_SCENARIOS picks some, e.g. "storm,nginx".
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { loadPlanDirectory } from '../src/validation/files';
import { parsePlan } from '../src/validation/parse';
import { findDecision } from '../src/policy/decide';
import { alertmanagerToAction } from './alertmanagerToAction';
import { endToEnd } from './endToEnd';
import { nginx } from './nginx';
import { overhead } from './overhead';
import { storm } from './storm';
import { waiting } from './waiting';
import { watchToAction } from './watchToAction';

const ROOT = resolve(__dirname, '..');

function timeIt(iterations: number, work: () => void): { opsPerSecond: number; usPerOp: number } {
  for (let i = 0; i < Math.min(100, iterations); i++) work(); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) work();
  const ns = Number(process.hrtime.bigint() - started);
  return { opsPerSecond: Math.round((iterations * 1e9) / ns), usPerOp: ns / iterations / 1000 };
}

/** Plan loading and decision lookups: how fast the API refuses or routes an alert. */
function pure() {
  const plans = loadPlanDirectory(resolve(ROOT, 'plans'));
  const lens = plans.get('lens-sprint1-canary')!;
  const genesis = plans.get('genesis-phase4')!;
  const genesisText = readFileSync(resolve(ROOT, 'plans/genesis-phase4.yaml'), 'utf8');
  return {
    parsePlanGenesis: timeIt(200, () => parsePlan(genesisText, 'genesis-phase4.yaml')),
    decide002CanaryMatrix: timeIt(20_000, () => findDecision(lens, { trigger: 'NdcgRegression', phase: '50%' })),
    decide004MetricBands: timeIt(20_000, () => findDecision(genesis, { trigger: 'ErrorRate', value: 0.005 })),
  };
}

const SCENARIOS: Record<string, () => object | Promise<object>> = { pure, endToEnd, storm, waiting, overhead, nginx, watchToAction, alertmanagerToAction };

async function main() {
  const wanted = (process.env.BENCH_SCENARIOS ?? Object.keys(SCENARIOS).join(',')).split(',').map((s) => s.trim());
  const unknown = wanted.filter((s) => !(s in SCENARIOS));
  if (unknown.length > 0) throw new Error(`unknown BENCH_SCENARIOS ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const result: Record<string, unknown> = {
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      at: new Date().toISOString(),
    },
  };
  // One after the other: each scenario has the machine to itself (besides whatever else runs).
  for (const name of wanted) {
    const started = performance.now();
    result[name] = { ...(await SCENARIOS[name]()), seconds: Math.round((performance.now() - started) / 1000) };
    process.stderr.write(`bench: ${name} done\n`);
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
