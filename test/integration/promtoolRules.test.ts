// `rollback plan rules` checked by Debian's promtool: the file of every plan under plans/
// loads (`promtool check rules`), and each seed plan's rules fire when its series breach for
// the hold window and not when they breach for less (`promtool test rules` with the unit-test
// file in test/fixtures/promtool/, written by hand from the seeds' numbers).
import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/main';
import { DEFAULT_PLANS_DIR, loadPlanDirectory } from '../../src/validation/files';

const PROMTOOL = '/usr/bin/promtool';
const FIXTURES = join(__dirname, '../fixtures/promtool');

/** The service a multi-service plan's alerts are for, and the canary phase a table reads. */
const OPTIONS: Record<string, string[]> = {
  'genesis-phase4': ['--service', 'genesis-orchestration'],
  'lens-sprint1-canary': ['--service', 'lens-search', '--label', 'phase=25%'],
  'monetization-drill': ['--service', 'transactions'],
  'webapp-5-level': ['--service', 'core-api'],
};

async function promtool(dir: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args, { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const plans = [...loadPlanDirectory(DEFAULT_PLANS_DIR).values()];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollback-promtool-'));
  for (const plan of plans) {
    let out = '';
    const service = plan.targets.services.length > 1 ? ['--service', plan.targets.services[0].name] : [];
    const args = ['plan', 'rules', join(DEFAULT_PLANS_DIR, `${plan.name}.yaml`), ...(OPTIONS[plan.name] ?? service)];
    const code = await runCli(args, { out: (t) => (out += t), err: () => undefined });
    if (code !== 0) throw new Error(`rollback ${args.join(' ')} exited ${code}`);
    writeFileSync(join(dir, `${plan.name}.rules.yaml`), out);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('promtool check rules accepts the rule file of every plan, one rule per metric trigger', async () => {
  const { code, output } = await promtool(dir, 'check', 'rules', ...plans.map((p) => `${p.name}.rules.yaml`));
  expect({ code, output }).toMatchObject({ code: 0 });
  for (const plan of plans) {
    const metricTriggers = plan.triggers.filter((t) => t.kind === 'metric').length;
    expect(output).toContain(`Checking ${plan.name}.rules.yaml\n  SUCCESS: ${metricTriggers} rules found`);
  }
});

const seeds = plans.filter((p) => p.source?.startsWith('seeds/')).map((p) => p.name);

it('every seed plan has a promtool unit-test file', () => {
  expect(seeds).toHaveLength(5);
  for (const name of seeds) expect(existsSync(join(FIXTURES, `${name}.test.yaml`))).toBe(true);
});

it.each(readdirSync(FIXTURES).map((f) => f.replace(/\.test\.yaml$/, '')))(
  'promtool test rules: %s — each rule fires when its series breach for the hold window, not sooner, and not for less',
  async (name) => {
    copyFileSync(join(FIXTURES, `${name}.test.yaml`), join(dir, `${name}.test.yaml`));
    const { code, output } = await promtool(dir, 'test', 'rules', `${name}.test.yaml`);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  },
);
