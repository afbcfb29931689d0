// `rollback status`: what an on-call engineer reads first, undelivered messages included.
import { formatStatus } from '../../../src/cli/incidentCommands';
import type { IncidentStatus } from '../../../src/workflows/messages';

const status: IncidentStatus = {
  incidentId: 'rollback-checkout-demo-checkout-c0ffee',
  plan: 'checkout-demo',
  service: 'checkout',
  trigger: 'CheckoutErrorRateHigh',
  stage: 'verify',
  checks: [],
  notifications: [
    {
      what: 'PagerDuty trigger',
      to: 'pagerduty',
      status: 'failed',
      queuedAt: '2026-11-30T10:00:00.000Z',
      settledAt: '2026-11-30T10:05:00.000Z',
      detail: 'no answer: gave up after 5m (attempts of 5s)',
    },
    { what: 'Slack announcement', to: '#checkout-incidents', status: 'delivered', queuedAt: '2026-11-30T10:00:01.000Z', settledAt: '2026-11-30T10:00:01.200Z' },
    { what: 'Slack outcome', to: '#checkout-incidents', status: 'pending', queuedAt: '2026-11-30T10:02:00.000Z' },
  ],
  timeline: [],
};

test('lists the messages that did not arrive, and why; delivered ones are not repeated', () => {
  const text = formatStatus(status);
  expect(text).toContain(
    'notifications\n  failed  PagerDuty trigger → pagerduty — no answer: gave up after 5m (attempts of 5s)\n  pending Slack outcome → #checkout-incidents\n',
  );
  expect(text).not.toContain('Slack announcement');
});

describe('a decision window', () => {
  const waiting: IncidentStatus = {
    ...status,
    stage: 'decide',
    pendingApproval: { roles: ['oncall'], people: ['U0ONCALL01'], deadline: '2026-11-30T10:02:00.000Z', default: 'rollback' },
  };

  test('still open: who may decide, until when, and what happens then', () => {
    expect(formatStatus(waiting, new Date('2026-11-30T10:01:00.000Z'))).toContain(
      'waiting   for oncall, U0ONCALL01 until 2026-11-30T10:02:00.000Z (then rollback)\n',
    );
  });

  test('past its deadline it is not shown as open: the default is due', () => {
    const text = formatStatus(waiting, new Date('2026-11-30T10:02:00.001Z'));
    expect(text).toContain('waiting   for the default: oncall, U0ONCALL01 did not decide by 2026-11-30T10:02:00.000Z, so rollback is due now\n');
    expect(text).not.toContain('until 2026-11-30T10:02:00.000Z');
  });
});
