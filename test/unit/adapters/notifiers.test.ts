// The Notifier role: the factory picks the vendor's notifier from the target the plan
// configures, and each one tells its vendor (the stand-ins follow Slack's and PagerDuty's contracts).
import { notifierFor } from '../../../src/adapters/notifiers';
import { PagerDutyClient, PagerDutyNotifier } from '../../../src/adapters/pagerduty';
import type { NotifierTarget } from '../../../src/adapters/roles';
import { SlackChannelNotifier, SlackNotifier } from '../../../src/adapters/slack';
import { startPagerDutyStandIn, type PagerDutyStandIn } from '../../support/contracts/pagerdutyServer';
import { startSlackStandIn, type SlackStandIn } from '../../support/contracts/slackServer';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const pager: NotifierTarget = {
  notifier: 'pagerduty',
  routingKeyEnv: 'PD_KEY',
  severity: 'critical',
  dedupKey: 'rollback-run-1',
  source: 'rollback-orchestrator/checkout',
};
const channel: NotifierTarget = { notifier: 'slack', channel: '#checkout-incidents' };

let slack: SlackStandIn;
let pagerduty: PagerDutyStandIn;

beforeEach(async () => {
  [slack, pagerduty] = await Promise.all([startSlackStandIn(), startPagerDutyStandIn()]);
});
afterEach(() => Promise.all([slack.close(), pagerduty.close()]));

const clients = (secrets: Record<string, string> = { PD_KEY: ROUTING_KEY }, withSlack = true) => ({
  ...(withSlack ? { slack: new SlackNotifier({ token: slack.token, slackApiUrl: slack.url }) } : {}),
  pagerduty: new PagerDutyClient({ baseUrl: pagerduty.url }),
  secret: (name: string) => secrets[name],
});

test('the target names the vendor: a Slack channel gets a SlackChannelNotifier, a pager a PagerDutyNotifier', () => {
  expect(notifierFor(channel, clients())).toBeInstanceOf(SlackChannelNotifier);
  expect(notifierFor(pager, clients())).toBeInstanceOf(PagerDutyNotifier);
});

test("a channel's notices are messages in that channel", async () => {
  const delivery = await notifierFor(channel, clients()).notify({ event: 'trigger', text: 'ROLLBACK INITIATED — checkout' });
  expect(delivery).toMatchObject({ sent: true, channel: '#checkout-incidents' });
  expect(slack.message('#checkout-incidents', delivery.ts!)).toMatchObject({ text: 'ROLLBACK INITIATED — checkout' });
});

test("a pager's notices are one incident per run: opened, acknowledged, resolved under the run's key", async () => {
  const notifier = notifierFor(pager, clients());
  for (const event of ['trigger', 'acknowledge', 'resolve'] as const)
    await expect(notifier.notify({ event, text: `checkout: ${event}` })).resolves.toEqual({ sent: true });
  expect(pagerduty.incidents.get('rollback-run-1')).toMatchObject({
    status: 'resolved',
    opened: 1,
    actions: ['trigger', 'acknowledge', 'resolve'],
    summary: 'checkout: trigger',
    severity: 'critical',
  });
});

test('without the credential on the worker a notice is skipped, naming what is missing, and nothing is sent', async () => {
  await expect(notifierFor(pager, clients({})).notify({ event: 'trigger', text: 'x' })).resolves.toEqual({
    sent: false,
    reason: 'PD_KEY is not set on the worker',
  });
  await expect(notifierFor(channel, clients(undefined, false)).notify({ event: 'trigger', text: 'x' })).resolves.toEqual({
    sent: false,
    reason: 'SLACK_BOT_TOKEN is not set on the worker',
  });
  expect(pagerduty.requests).toHaveLength(0);
  expect(slack.requests).toHaveLength(0);
});
