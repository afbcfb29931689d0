// Plans for the integration tests: real plan YAML through the real loader, with short
// windows and delays given as plan data (no test-only code paths).
import { parsePlan } from '../../src/validation/parse';
import type { Plan } from '../../src/plan/schema';
import { uniqueName } from '../support/harness';

export interface FixturePlanOptions {
  healthUrl: string;
  flagStorePath: string;
  window?: string;
  defaultAction?: 'rollback' | 'hold';
  attempts?: number;
  delay?: string;
  slackChannel?: string;
  routingKeyEnv?: string;
  /** Watch after a rollback: `cycles` × `interval`, re-opened by new alerts. */
  monitoring?: { cycles: number; interval: string };
  /** Services besides `checkout` (the plan covers all of them). */
  services?: string[];
  /** Per-attempt timeout and give-up bound for Slack and PagerDuty messages. */
  delivery?: { attemptTimeout: string; giveUpAfter: string };
  /** Level 1's steps instead of turning `new_checkout` off. */
  steps?: Record<string, unknown>[];
  /** Roles `authority.decide` allows for ErrorRateHigh (default: the ask's own, oncall). */
  deciders?: string[];
}

export const APPROVER = 'U0APPROVER1';
export const OTHER_APPROVER = 'U0APPROVER2';
export const OUTSIDER = 'U0OUTSIDER9';

/**
 * Two triggers: `ErrorRateHigh` asks the on-call (window and default from the options),
 * `ServiceDown` rolls back without asking. Level 1 turns `new_checkout` off (unless `steps` say otherwise) and checks health.
 */
export function fixturePlan(options: FixturePlanOptions): Plan {
  const name = uniqueName('it-plan');
  const yaml = `
apiVersion: rollback-orchestrator/v1
name: ${name}
targets:
  services:
${['checkout', ...(options.services ?? [])].map((s) => `    - name: ${s}`).join('\n')}
triggers:
  - name: ErrorRateHigh
    kind: metric
    condition: { metric: error_rate, op: '>', threshold: 2%, for: 5m }
  - name: ServiceDown
    kind: health
    condition: { check: health, consecutiveFailures: 3 }
decisions:
  - name: main
    triggers: [ErrorRateHigh, ServiceDown]
    rules:
      - when: { trigger: ServiceDown }
        outcome: { action: rollback, level: 1 }
      - when: { trigger: ErrorRateHigh }
        outcome: { action: ask, window: ${options.window ?? '30s'}, default: ${options.defaultAction ?? 'rollback'}, approvers: [oncall], level: 1 }
authority:
  roles:
    oncall: { title: On-call, members: [${APPROVER}, ${OTHER_APPROVER}] }
    manager: { title: Engineering manager, members: [${OUTSIDER}] }
  decide:
    - when: { trigger: ErrorRateHigh }
      roles: [${(options.deciders ?? ['oncall']).join(', ')}]
    - when: { trigger: ServiceDown }
      system: true
levels:
  - level: 1
    name: feature flag
    steps: ${JSON.stringify(options.steps ?? [{ type: 'flag.disable', flag: 'new_checkout' }])}
    checks: [health]
checks:
  health:
    type: http
    url: ${options.healthUrl}
    attempts: ${options.attempts ?? 3}
    delay: ${options.delay ?? '200ms'}
    timeout: 2s
adapters:
  flags: { type: file, path: ${JSON.stringify(options.flagStorePath)} }
${options.monitoring ? `monitoring: { cycles: ${options.monitoring.cycles}, interval: ${options.monitoring.interval}, checks: [] }\n` : ''}notifications:
${options.slackChannel ? `  slack: { channel: "${options.slackChannel}" }\n` : ''}${options.routingKeyEnv ? `  pagerduty: { routingKeyEnv: ${options.routingKeyEnv} }\n` : ''}${options.delivery ? `  delivery: { attemptTimeout: ${options.delivery.attemptTimeout}, giveUpAfter: ${options.delivery.giveUpAfter} }\n` : ''}  templates: {}
`;
  return parsePlan(yaml, `${name}.yaml`);
}
