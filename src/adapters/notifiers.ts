// The notifier factory (like Flagger's notifier package): the target the plan configures
// names the vendor, and the factory hands back that vendor's Notifier. Callers only see the
// Notifier role (src/adapters/roles.ts).
import { type PagerDutyClient, PagerDutyNotifier } from './pagerduty';
import type { Notifier, NotifierTarget } from './roles';
import { SlackChannelNotifier, type SlackNotifier } from './slack';

export interface NotifierClients {
  /** Absent when no Slack bot token is configured: Slack notices are then skipped. */
  slack?: SlackNotifier;
  pagerduty: PagerDutyClient;
  /** Reads a secret by the environment-variable name the plan gives. */
  secret(name: string): string | undefined;
}

export function notifierFor(target: NotifierTarget, clients: NotifierClients): Notifier {
  switch (target.notifier) {
    case 'slack':
      return new SlackChannelNotifier(clients.slack, target.channel);
    case 'pagerduty':
      return new PagerDutyNotifier(clients.pagerduty, clients.secret(target.routingKeyEnv), target);
  }
}
