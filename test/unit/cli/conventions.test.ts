// What every `rollback` command shares: --version, --json on every command that prints data
// (one JSON document on stdout, a refusal included), and exit codes that tell "refused" (1)
// from "wrong command line" (2) from "Temporal or the API cannot be reached" (3).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import type { Command } from 'commander';
import { connectFromEnv, type IncidentCommandDeps } from '../../../src/cli/incidentCommands';
import { buildProgram, runCli } from '../../../src/cli/main';

const ROOT = join(__dirname, '../../..');
const plans = join(ROOT, 'plans');

async function run(deps: IncidentCommandDeps, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, deps);
  return { code, out, err };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  expect(await run({}, '--version')).toEqual({ code: 0, out: `${version}\n`, err: '' });
});

test('--help documents the exit codes and the --json convention', async () => {
  const { code, out } = await run({}, '--help');
  expect(code).toBe(0);
  expect(out).toContain('Exit codes:');
  expect(out).toMatch(/^ {2}1 {2}refused/m);
  expect(out).toMatch(/^ {2}3 {2}unreachable: Temporal/m);
  expect(out).toContain('--json');
});

test('every command that prints data takes --json', () => {
  const leaves = (command: Command): Command[] => (command.commands.length ? command.commands.flatMap(leaves) : [command]);
  const program = buildProgram({ out: () => undefined, err: () => undefined }, () => undefined);
  const withoutJson = leaves(program)
    .filter((c) => !c.options.some((o) => o.long === '--json'))
    .map((c) => c.name());
  expect(withoutJson).toEqual([]);
});

test('plan explain --json: the decision and the explanation as one document', async () => {
  const { code, out } = await run({}, 'plan', 'explain', join(plans, 'genesis-phase4.yaml'), '--trigger', 'ErrorRate', '--value', '2%', '--json');
  expect(code).toBe(0);
  const answer = JSON.parse(out) as { plan: string; context: { trigger: string }; decision: { outcome: { action: string } }; explanation: string[] };
  expect(answer).toMatchObject({ plan: 'genesis-phase4', context: { trigger: 'ErrorRate' }, decision: { outcome: { action: expect.any(String) } } });
  expect(answer.explanation[0]).toMatch(/^Plan genesis-phase4/);
});

describe('Temporal or the API unreachable: exit 3, not a refusal', () => {
  test('report --json, Temporal not listening: the error as JSON on stdout', async () => {
    const address = `127.0.0.1:${await closedPort()}`;
    const deps: IncidentCommandDeps = { plansDir: plans, connect: () => connectFromEnv({ TEMPORAL_ADDRESS: address }) };
    const json = await run(deps, 'report', 'rollback:checkout-demo:checkout:production', '--json');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.out)).toEqual({ error: expect.stringContaining(`cannot reach Temporal at ${address}`), exitCode: 3 });
  });

  test('approve, the API not listening', async () => {
    const env = { ROLLBACK_API_URL: `http://127.0.0.1:${await closedPort()}`, ROLLBACK_TOKEN: 't'.repeat(32) };
    const { code, err } = await run({ env }, 'approve', 'rollback:checkout-demo:checkout:production', '--reason', 'error rate climbing');
    expect(code).toBe(3);
    expect(err).toContain(`cannot reach the API at ${env.ROLLBACK_API_URL}`);
  });

  test('a refusal stays 1: a plan file that is not a valid plan', async () => {
    const { code, out } = await run({}, 'plan', 'validate', join(ROOT, 'test/fixtures/plans/invalid/unknown-field.yaml'), '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ valid: false })]);
  });
});
