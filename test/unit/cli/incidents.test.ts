// `rollback start|drill|approve|reject|status|report`: what is refused before any
// connection to Temporal (exit 2), and the command line reaching Temporal.
import { expect } from '@jest/globals';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { connectFromEnv, topService, type IncidentCommandDeps } from '../../../src/cli/incidentCommands';
import { seedPlan } from '../policy/seedPlans';

const plans = join(__dirname, '../../../plans');

/** Deps whose connection must never be opened: these command lines are refused first. */
const offline: IncidentCommandDeps = {
  plansDir: plans,
  connect: () => {
    throw new Error('should not connect');
  },
};

async function run(deps: IncidentCommandDeps, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, deps);
  return { code, out, err };
}

describe('refused before connecting, with exit 2', () => {
  it('an unknown plan name lists the known ones', async () => {
    const { code, err } = await run(offline, 'start', '--plan', 'nope', '--service', 'x', '--trigger', 'y');
    expect(code).toBe(2);
    expect(err).toContain('no plan "nope" in');
    expect(err).toContain('genesis-phase4');
  });

  it('a trigger or service the plan does not have', async () => {
    const t = await run(offline, 'start', '--plan', 'genesis-phase4', '--service', 'genesis-orchestration', '--trigger', 'Nope');
    expect(t.code).toBe(2);
    expect(t.err).toContain('plan genesis-phase4 has no trigger "Nope"; its triggers: ErrorRate, PassRate');
    const s = await run(offline, 'start', '--plan', 'genesis-phase4', '--service', 'billing', '--trigger', 'ErrorRate');
    expect(s.code).toBe(2);
    expect(s.err).toContain('has no service "billing"; its services: mongodb, genesis-orchestration');
  });

  it('a phase outside the rollout, and values that are not quantities', async () => {
    // The plan's own service and trigger: only the phase is wrong.
    const phase = await run(offline, 'start', '--plan', 'lens-sprint1-canary', '--service', 'lens-search', '--trigger', 'NdcgRegression', '--phase', '33%');
    expect(phase.code).toBe(2);
    expect(phase.err).toContain('plan lens-sprint1-canary has no phase "33%"; its phases: 5%, 25%, 50%, 100%');
    const value = await run(offline, 'start', '--plan', 'genesis-phase4', '--service', 'genesis-orchestration', '--trigger', 'ErrorRate', '--value', 'lots');
    expect(value.code).toBe(2);
    expect(value.err).toContain('not a quantity');
  });

  it('a drill the plan does not have', async () => {
    const { code, err } = await run(offline, 'drill', '--plan', 'monetization-drill', '--drill', 'monthly');
    expect(code).toBe(2);
    expect(err).toContain('plan monetization-drill has no drill "monthly"; its drills: quarterly');
  });

  it("a decision without a reason, naming someone with --by, or without the caller's token", async () => {
    const noToken = { ...offline, env: { ROLLBACK_API_URL: 'http://127.0.0.1:1' } };
    expect((await run(noToken, 'approve', 'inc-1', '--by', 'U0APPROVER1', '--reason', 'ok')).code).toBe(2);
    expect((await run(noToken, 'reject', 'inc-1')).code).toBe(2);
    const anonymous = await run(noToken, 'approve', 'inc-1', '--reason', 'ok');
    expect(anonymous).toMatchObject({ code: 2, err: expect.stringContaining('set ROLLBACK_TOKEN, or ROLLBACK_TOKEN_FILE') });
    expect((await run(offline, 'report', 'inc-1', '--format', 'pdf')).code).toBe(2);
  });

  it('a plan file that does not parse is refused with exit 1 and its issues', async () => {
    const bad = join(__dirname, '../../fixtures/plans/invalid/decision-table-hole.yaml');
    const { code, err } = await run(offline, 'start', '--plan', bad, '--service', 'checkout', '--trigger', 'x');
    expect(code).toBe(1);
    expect(err).toContain('is not a valid plan');
  });
});

describe('reaching Temporal', () => {
  it('says so, with exit 3 (unreachable, not 1: refused), when Temporal cannot be reached', async () => {
    const deps: IncidentCommandDeps = { plansDir: plans, connect: () => connectFromEnv({ TEMPORAL_ADDRESS: '127.0.0.1:1' }) };
    const { code, err } = await run(deps, 'status', 'inc-1');
    expect(code).toBe(3);
    expect(err).toContain('error: cannot reach Temporal at 127.0.0.1:1');
  });

  it('a bad TEMPORAL_* variable is a usage error naming it', async () => {
    const deps: IncidentCommandDeps = { plansDir: plans, connect: () => connectFromEnv({ TEMPORAL_TLS: 'yes' }) };
    const { code, err } = await run(deps, 'report', 'inc-1');
    expect(code).toBe(2);
    expect(err).toContain('TEMPORAL_TLS');
  });

  it('drill defaults: the service nothing depends on, the first trigger', () => {
    expect(topService(seedPlan('genesis-phase4'))).toBe('genesis-orchestration');
    expect(topService(seedPlan('monetization-drill'))).toBe('agent-service');
  });
});
