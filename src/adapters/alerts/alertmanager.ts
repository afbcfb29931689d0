// Alertmanager as an AlertSource (v2 API): the names of alerts that are firing and that
// someone would be paged for — not silenced, not inhibited. Used to see whether the
// alerts that started a rollback have cleared, optionally for one service's label.
import { request } from 'undici';
import { describeNetworkFailure, RejectedError, UnavailableError } from '../errors';
import type { AlertSource } from '../roles';

const VENDOR = 'alertmanager';

export interface AlertmanagerAlertsOptions {
  url: string;
  /** Label that names the service on alerts (default `service`). */
  serviceLabel?: string;
  timeoutMs?: number;
}

export class AlertmanagerAlerts implements AlertSource {
  constructor(private readonly options: AlertmanagerAlertsOptions) {}

  async activeAlerts(service?: string): Promise<string[]> {
    const params = new URLSearchParams({ active: 'true', silenced: 'false', inhibited: 'false' });
    // A matcher is label="value" with \ and " escaped, as Alertmanager's parser reads it.
    if (service !== undefined) params.append('filter', `${this.options.serviceLabel ?? 'service'}="${service.replace(/[\\"]/g, '\\$&')}"`);
    const url = `${this.options.url.replace(/\/+$/, '')}/api/v2/alerts?${params.toString()}`;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let status: number;
    let text: string;
    try {
      const res = await request(url, { headers: { accept: 'application/json' }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      throw new UnavailableError(VENDOR, `${url}: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    if (status === 400) throw new RejectedError(VENDOR, status, text.slice(0, 200));
    if (status !== 200) throw new UnavailableError(VENDOR, text.slice(0, 200), status);
    let alerts: unknown;
    try {
      alerts = JSON.parse(text);
    } catch {
      throw new UnavailableError(VENDOR, `not JSON: ${text.slice(0, 200)}`, status);
    }
    if (!Array.isArray(alerts)) throw new UnavailableError(VENDOR, 'expected a list of alerts', status);
    const names = alerts.map((a: { labels?: Record<string, string> }) => a.labels?.alertname).filter((n): n is string => typeof n === 'string');
    return [...new Set(names)].sort();
  }
}
