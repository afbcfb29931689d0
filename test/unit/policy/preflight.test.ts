// What a drill's preflight asks the worker about, and what it then runs in dry-run.
import { join } from 'node:path';
import { checkUnreachable, commandsOf, commandUnreachable, programsOf, stepUnreachable } from '../../../src/policy/preflight';
import { CheckSchema, StepSchema } from '../../../src/plan/schema';
import { loadPlanFile } from '../../../src/validation/files';

test.each([
  ['tools/confirm_rollback_images.sh {image}', ['tools/confirm_rollback_images.sh']],
  ['git checkout main && git pull && git checkout -b hotfix/x', ['git']],
  ['FOO=1 BAR=2 ./deploy.sh --fast', ['./deploy.sh']],
  ['curl -sf http://x | jq -e .ok; echo done', ['curl', 'jq', 'echo']],
  ['python3 tools/release_preflight.py --quick', ['python3', 'tools/release_preflight.py']],
  ['bash -e scripts/x.sh', ['bash', 'scripts/x.sh']],
  ['"$DEPLOY" --now', []],
  ['sudo systemctl stop hedging-service', ['systemctl']],
])('programsOf(%j)', (command, programs) => {
  expect(programsOf(command)).toEqual(programs);
});

test("every command of the monetization plan, the targets' confirmation included, once each", () => {
  const plan = loadPlanFile(join(__dirname, '../../../plans/monetization-drill.yaml'));
  const commands = commandsOf(plan);
  expect(commands).toEqual(
    expect.arrayContaining([
      'tools/confirm_rollback_images.sh {image}',
      'tools/confirm_rollback_images.sh',
      'tools/deploy.sh --service "$ROLLBACK_SERVICE" --restart',
      'python3 tools/release_preflight.py --quick',
    ]),
  );
  expect(new Set(commands).size).toBe(commands.length);
});

describe('what runs in dry-run', () => {
  const unreachable = {
    programs: ['tools/deploy.sh'],
    adapters: { traffic: 'connect ENOENT /run/haproxy.sock' },
    urls: { 'https://portal.example.com/health': 'getaddrinfo ENOTFOUND portal.example.com' },
  };

  test('a step whose command starts a missing program, or that acts through an adapter that did not answer', () => {
    expect(stepUnreachable(StepSchema.parse({ type: 'service.restart', command: 'tools/deploy.sh --restart' }), unreachable)).toBe('tools/deploy.sh not found');
    expect(stepUnreachable(StepSchema.parse({ type: 'traffic.shift', service: 'web', to: 'stable' }), unreachable)).toBe(
      'adapters.traffic: connect ENOENT /run/haproxy.sock',
    );
  });

  test('not a step that brings its own command for an unreachable adapter, nor one that needs nothing missing', () => {
    expect(stepUnreachable(StepSchema.parse({ type: 'traffic.shift', service: 'web', to: 'stable', command: 'traffic-split 0' }), unreachable)).toBeUndefined();
    expect(stepUnreachable(StepSchema.parse({ type: 'flag.disable', flag: 'x' }), unreachable)).toBeUndefined();
    expect(commandUnreachable('git pull', unreachable)).toBeUndefined();
  });

  test('an HTTP check no server answered', () => {
    expect(checkUnreachable(CheckSchema.parse({ type: 'http', url: 'https://portal.example.com/health' }), unreachable)).toBe(
      'https://portal.example.com/health: getaddrinfo ENOTFOUND portal.example.com',
    );
    expect(checkUnreachable(CheckSchema.parse({ type: 'http', url: 'http://127.0.0.1:8080/healthz' }), unreachable)).toBeUndefined();
  });

  test('a command check with a missing program; a metric check when the metrics source did not answer', () => {
    expect(checkUnreachable(CheckSchema.parse({ type: 'command', command: 'tools/deploy.sh --verify' }), unreachable)).toBe('tools/deploy.sh not found');
    const metric = CheckSchema.parse({ type: 'metric', query: 'up', op: '>=', threshold: '1' });
    expect(checkUnreachable(metric, unreachable)).toBeUndefined();
    expect(checkUnreachable(metric, { ...unreachable, adapters: { metrics: 'ECONNREFUSED' } })).toBe('adapters.metrics: ECONNREFUSED');
  });
});
