// AlertmanagerAlerts against a real Alertmanager with alerts posted to its v2 API.
import { AlertmanagerAlerts } from '../../../src/adapters/alerts/alertmanager';
import { UnavailableError } from '../../../src/adapters/errors';
import { caught } from '../../support/caught';
import { startAlertmanager, stopAll, type AlertmanagerServer } from '../../support/servers';
import { freePort } from '../../support/servers/process';

describe('AlertmanagerAlerts (real Alertmanager)', () => {
  let alertmanager: AlertmanagerServer;
  let alerts: AlertmanagerAlerts;

  beforeAll(async () => {
    alertmanager = await startAlertmanager();
    alerts = new AlertmanagerAlerts({ url: alertmanager.url });
  });
  afterAll(stopAll);

  it('lists firing alerts by name, for all services or one', async () => {
    await expect(alerts.activeAlerts()).resolves.toEqual([]);
    await alertmanager.post([
      { labels: { alertname: 'CheckoutErrorRate', service: 'checkout', severity: 'critical' } },
      { labels: { alertname: 'CheckoutLatencyP99', service: 'checkout', severity: 'warning' } },
      { labels: { alertname: 'SearchErrorRate', service: 'search', severity: 'critical' } },
    ]);
    await expect(alerts.activeAlerts()).resolves.toEqual(['CheckoutErrorRate', 'CheckoutLatencyP99', 'SearchErrorRate']);
    await expect(alerts.activeAlerts('checkout')).resolves.toEqual(['CheckoutErrorRate', 'CheckoutLatencyP99']);
    await expect(alerts.activeAlerts('payments')).resolves.toEqual([]);
  });

  it('leaves out resolved and silenced alerts', async () => {
    // Prometheus resolves an alert by sending it again with endsAt in the past.
    await alertmanager.post([
      { labels: { alertname: 'CheckoutLatencyP99', service: 'checkout', severity: 'warning' }, endsAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    const silence = await fetch(`${alertmanager.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'alertname', value: 'SearchErrorRate', isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'test',
        comment: 'known issue',
      }),
    });
    expect(silence.ok).toBe(true);
    await expect(alerts.activeAlerts()).resolves.toEqual(['CheckoutErrorRate']);
  });

  it('escapes the service in the filter', async () => {
    await alertmanager.post([{ labels: { alertname: 'Odd', service: 'we"ird\\name' } }]);
    await expect(alerts.activeAlerts('we"ird\\name')).resolves.toEqual(['Odd']);
  });

  it('reports an unreachable Alertmanager as unavailable', async () => {
    const down = new AlertmanagerAlerts({ url: `http://127.0.0.1:${await freePort()}` });
    expect(await caught(down.activeAlerts())).toBeInstanceOf(UnavailableError);
  });
});
