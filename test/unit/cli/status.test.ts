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
