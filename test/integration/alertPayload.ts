// Alertmanager webhook payloads (version 4) as Alertmanager sends them.
export interface AlertSpec {
  alertname: string;
  service?: string;
  plan?: string;
  fingerprint: string;
  status?: 'firing' | 'resolved';
  value?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** When the alert started firing (the episode); a fixed time unless given. */
  startsAt?: string;
}

export function alertmanagerPayload(...alerts: AlertSpec[]) {
  const status = alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing';
  return {
    version: '4',
    groupKey: `{}:{alertname="${alerts[0]?.alertname}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'rollback-orchestrator',
    groupLabels: { alertname: alerts[0]?.alertname },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.test:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: {
        alertname: a.alertname,
        ...(a.service === undefined ? { service: 'checkout' } : a.service ? { service: a.service } : {}),
        ...(a.plan ? { rollback_plan: a.plan } : {}),
        severity: 'critical',
        ...a.labels,
      },
      annotations: { summary: `${a.alertname} on checkout`, ...(a.value ? { value: a.value } : {}), ...a.annotations },
      startsAt: a.startsAt ?? '2026-11-24T10:00:00Z',
      endsAt: a.status === 'resolved' ? '2026-11-24T10:09:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.test:9090/graph',
      fingerprint: a.fingerprint,
    })),
  };
}
