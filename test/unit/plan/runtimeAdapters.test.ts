// The plan blocks the step activities read: adapters.commands, adapters.git, capture and
// targets.confirm — accepted with their defaults, refused with a message a person can act on.
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadPlanFile } from '../../../src/validation/files';
import { parseByteSize } from '../../../src/plan/language/runtimeAdapters';
import { parsePlan, PlanError, type PlanIssue } from '../../../src/validation/parse';

const minimal = readFileSync(join(__dirname, '../../fixtures/plans/valid-minimal.yaml'), 'utf8');

/** The minimal valid plan with `fields` set (dotted paths). */
function planWith(fields: Record<string, unknown>): string {
  const doc = parseDocument(minimal);
  for (const [path, value] of Object.entries(fields)) doc.setIn(path.split('.'), value);
  return doc.toString();
}

function issuesOf(text: string): readonly PlanIssue[] {
  try {
    parsePlan(text, 'test.yaml');
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('accepted');
}

test('the blocks are optional; given, they get their defaults', () => {
  expect(parsePlan(minimal, 'm.yaml').adapters).toEqual({ flags: { type: 'file' } });
  const plan = parsePlan(
    planWith({
      'adapters.commands': { cwd: '/srv/app', secretEnv: ['DEPLOY_TOKEN'] },
      'adapters.git': { repo: '/srv/app' },
      capture: { metrics: [{ name: 'up', query: 'up' }], logs: { command: 'tail -n 50 logs/app.log' } },
      'targets.confirm': { command: 'docker manifest inspect {image}' },
    }),
    'p.yaml',
  );
  expect(plan.adapters.commands).toEqual({ cwd: '/srv/app', env: {}, secretEnv: ['DEPLOY_TOKEN'], outputLimit: '4KiB' });
  expect(plan.adapters.git).toEqual({ repo: '/srv/app' });
  expect(plan.capture).toEqual({ commit: true, metrics: [{ name: 'up', query: 'up' }], logs: { command: 'tail -n 50 logs/app.log', timeout: '30s' } });
  expect(plan.targets.confirm).toEqual({ command: 'docker manifest inspect {image}', timeout: '1m' });
});

test.each([
  ['adapters.commands', { outputLimit: '4k' }, 'adapters.commands.outputLimit', 'write a size with a unit (B, KiB, MiB), e.g. "4KiB"'],
  ['adapters.commands', { env: { ROLLBACK_REF: 'x' } }, 'adapters.commands.env.ROLLBACK_REF', 'ROLLBACK_* variables are set by the engine for each step'],
  ['adapters.commands', { secretEnv: ['deploy_token'] }, 'adapters.commands.secretEnv[0]', 'give the NAME of an environment variable'],
  ['adapters.commands', { shell: 'zsh' }, 'adapters.commands', 'unknown field "shell"'],
  ['adapters.git', {}, 'adapters.git.repo', ''],
  ['targets.confirm', { command: 'check {servce} {ref}' }, 'targets.confirm.command', 'unknown placeholder {servce}; use one of: {service}, {ref}, {image}'],
  ['capture', { metrics: [{ name: 'p95', query: 'q', sampleUnit: 'seconds' }] }, 'capture.metrics[0].sampleUnit', ''],
  ['capture', { logs: { command: 'tail x', timeout: '30' } }, 'capture.logs.timeout', 'a duration needs a number and a unit'],
])('%s %j is refused at %s', (path, value, at, message) => {
  const issues = issuesOf(planWith({ [path]: value }));
  expect(issues).toEqual([expect.objectContaining({ path: at, message: expect.stringContaining(message) })]);
});

test('shell and git syntax in a confirm command are not placeholders', () => {
  const plan = parsePlan(
    planWith({ 'targets.confirm': { command: 'git rev-parse "{ref}^{commit}" && test -n "${ROLLBACK_SERVICE}" && { true; }' } }),
    'p.yaml',
  );
  expect(plan.targets.confirm?.command).toContain('^{commit}');
});

test('a secret written into adapters.commands.env is refused like any secret in a plan', () => {
  const issues = issuesOf(planWith({ 'adapters.commands': { env: { SLACK_TOKEN: 'xoxb-123456789012-abcdefghijkl' } } }));
  expect(issues).toEqual([expect.objectContaining({ path: 'adapters.commands.env.SLACK_TOKEN', message: expect.stringContaining('Slack token') })]);
});

test('parseByteSize', () => {
  expect([parseByteSize('4KiB'), parseByteSize('512B'), parseByteSize('1MiB')]).toEqual([4096, 512, 1048576]);
  expect(() => parseByteSize('4KB')).toThrow('is not a size');
});

test('genesis-phase4 captures §1.3 state and runs its commands in the deployment checkout', () => {
  const plan = loadPlanFile(join(__dirname, '../../../plans/genesis-phase4.yaml'));
  expect(plan.capture?.commit).toBe(true);
  expect(plan.capture?.metrics.map((m) => m.name)).toEqual(['up', 'error_rate', 'pass_rate', 'p95_latency']);
  expect(plan.capture?.logs?.command).toMatch(/logs\/\*\.log/);
  expect(plan.adapters.commands?.cwd).toBe('/home/genesis/genesis-rebuild');
  expect(plan.adapters.git?.repo).toBe('/home/genesis/genesis-rebuild');
  expect(plan.adapters.commands?.secretEnv).toEqual(['SLACK_WEBHOOK_URL', 'PAGERDUTY_ROUTING_KEY']);
  expect(plan.targets.confirm?.command).toContain('{ref}');
});
