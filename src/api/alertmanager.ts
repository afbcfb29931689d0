// Alertmanager webhook payloads (version 4) and how each alert maps to a plan, a service
// and a trigger, each alert on its own.
import { z } from 'zod';
import { HELD_FOR_ANNOTATION, PLAN_LABEL, SERVICE_LABEL, VALUE_ANNOTATION } from '../plan/alertLabels';
import { parseQuantity } from '../plan/quantity';
import { Migration, type Plan, type Trigger } from '../plan/schema';
import type { Dimension } from '../policy/context';
import { findDecision, NoDecisionError } from '../policy/decide';
import type { AlertNotification, IncidentContext } from '../workflows/messages';
import { RequestError } from './errors';

const Labels = z.record(z.string(), z.string());

export const AlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels.refine((l) => typeof l.alertname === 'string' && l.alertname !== '', {
    message: 'labels.alertname is required',
  }),
  annotations: Labels.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().regex(/^[0-9a-f]{1,64}$/, 'fingerprint must be lower-case hex'),
});

export const AlertmanagerPayloadSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: Labels,
  commonLabels: Labels,
  commonAnnotations: Labels,
  externalURL: z.string(),
  alerts: z.array(AlertSchema).min(1),
});

export type Alert = z.infer<typeof AlertSchema>;
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;

export interface RoutedAlert {
  plan: Plan;
  service: string;
  trigger: Trigger;
  context: IncidentContext;
  notification: AlertNotification;
}

/** Where an alert carries each fact a decision table may read (labels for names, annotations for quantities). */
const FACT_FIELDS: Record<Dimension, string> = {
  phase: 'labels.phase',
  severity: 'labels.severity',
  migration: 'labels.migration',
  value: `annotations.${VALUE_ANNOTATION}`,
  impact: 'annotations.impact',
  timeToFix: 'annotations.time_to_fix',
  heldFor: `annotations.${HELD_FOR_ANNOTATION}`,
};

function quantityAt(text: string | undefined, field: string): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseQuantity(text).value;
  } catch (err) {
    throw new RequestError(422, field, (err as Error).message);
  }
}

/** The decision facts an alert carries, in the base units the policy reads. */
function alertContext(alert: Alert, at: string): IncidentContext {
  const { labels, annotations } = alert;
  const migration = labels.migration;
  if (migration !== undefined && !Migration.safeParse(migration).success) {
    throw new RequestError(422, `${at}.labels.migration`, `migration must be one of ${Migration.options.join(', ')}`);
  }
  const numbers = {
    value: quantityAt(annotations[VALUE_ANNOTATION], `${at}.${FACT_FIELDS.value}`),
    impact: quantityAt(annotations.impact, `${at}.annotations.impact`),
    timeToFix: quantityAt(annotations.time_to_fix, `${at}.annotations.time_to_fix`),
    heldFor: quantityAt(annotations[HELD_FOR_ANNOTATION], `${at}.${FACT_FIELDS.heldFor}`),
  };
  return {
    ...(labels.phase ? { phase: labels.phase } : {}),
    ...(labels.severity ? { severity: labels.severity } : {}),
    ...(migration ? { migration: migration as IncidentContext['migration'] } : {}),
    ...Object.fromEntries(Object.entries(numbers).filter(([, v]) => v !== undefined)),
  };
}

function triggerMatches(trigger: Trigger, labels: Record<string, string>): boolean {
  const match = trigger.match ?? { alertname: trigger.name };
  return Object.entries(match).every(([key, value]) => labels[key] === value);
}

function findPlan(plans: ReadonlyMap<string, Plan>, labels: Record<string, string>, at: string): Plan {
  const named = labels[PLAN_LABEL];
  if (named !== undefined) {
    const plan = plans.get(named);
    if (!plan) throw new RequestError(422, `${at}.labels.${PLAN_LABEL}`, `unknown plan "${named}" (known: ${[...plans.keys()].join(', ')})`);
    return plan;
  }
  const service = labels[SERVICE_LABEL];
  const candidates = [...plans.values()].filter((p) => p.targets.services.some((s) => s.name === service));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new RequestError(422, `${at}.labels.${SERVICE_LABEL}`, `no plan covers service "${service}"; add a ${PLAN_LABEL} label or a plan for it`);
  }
  throw new RequestError(
    422,
    `${at}.labels.${PLAN_LABEL}`,
    `several plans cover service "${service}" (${candidates.map((p) => p.name).join(', ')}); add a ${PLAN_LABEL} label`,
  );
}

export function routeAlert(plans: ReadonlyMap<string, Plan>, alert: Alert, index: number, receivedAt: string): RoutedAlert {
  const at = `alerts[${index}]`;
  const service = alert.labels[SERVICE_LABEL];
  if (!service) throw new RequestError(422, `${at}.labels.${SERVICE_LABEL}`, 'every alert needs a service label');
  const plan = findPlan(plans, alert.labels, at);
  if (!plan.targets.services.some((s) => s.name === service)) {
    throw new RequestError(422, `${at}.labels.${SERVICE_LABEL}`, `plan "${plan.name}" has no service "${service}"`);
  }
  const trigger = plan.triggers.find((t) => triggerMatches(t, alert.labels));
  if (!trigger) {
    throw new RequestError(422, `${at}.labels.alertname`, `no trigger of plan "${plan.name}" matches alert "${alert.labels.alertname}"`);
  }
  const context = alertContext(alert, at);
  if (alert.status === 'firing') {
    // A run that could not decide would only hold: refuse the alert instead, naming what it lacks.
    try {
      findDecision(plan, { ...context, trigger: trigger.name });
    } catch (err) {
      if (!(err instanceof NoDecisionError)) throw err;
      const [first, ...rest] = err.missing.map((d) => `${at}.${FACT_FIELDS[d as Dimension]}`);
      throw new RequestError(
        422,
        first ?? `${at}.labels`,
        err.message,
        rest.map((field) => ({ field, message: 'needed by the decision table' })),
      );
    }
  }
  return {
    plan,
    service,
    trigger,
    context,
    notification: {
      status: alert.status,
      receivedAt,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      fingerprint: alert.fingerprint,
      ...(alert.endsAt ? { endsAt: alert.endsAt } : {}),
      ...(alert.annotations[VALUE_ANNOTATION] ? { value: alert.annotations[VALUE_ANNOTATION] } : {}),
    },
  };
}
