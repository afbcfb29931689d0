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
    throw new RequestError(422, `${at}.labels.migration`, `migration must be one of ${Migration.options.join(', ')}`, [], Migration.options);
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

function triggerMatch(trigger: Trigger): Record<string, string> {
  return trigger.match ?? { alertname: trigger.name };
}

function triggerMatches(trigger: Trigger, labels: Record<string, string>): boolean {
  return Object.entries(triggerMatch(trigger)).every(([key, value]) => labels[key] === value);
}

/** Every service some plan covers, for refusals that name a service. */
function knownServices(plans: ReadonlyMap<string, Plan>): string[] {
  return [...new Set([...plans.values()].flatMap((p) => p.targets.services.map((s) => s.name)))].sort();
}

const listed = (names: readonly string[]): string => names.join(', ') || '(none)';

/** How the API picks the plan, said in each refusal about it (README, "Alerts, episodes and runs"). */
const PLAN_RULE = `the API reads the plan from the label "${PLAN_LABEL}", else takes the only plan that covers the alert's "${SERVICE_LABEL}" label`;

function findPlan(plans: ReadonlyMap<string, Plan>, labels: Record<string, string>, at: string): Plan {
  const named = labels[PLAN_LABEL];
  if (named !== undefined) {
    const plan = plans.get(named);
    const known = [...plans.keys()].sort();
    if (!plan) throw new RequestError(422, `${at}.labels.${PLAN_LABEL}`, `unknown plan "${named}" (${PLAN_RULE}); known plans: ${listed(known)}`, [], known);
    return plan;
  }
  const service = labels[SERVICE_LABEL];
  const candidates = [...plans.values()].filter((p) => p.targets.services.some((s) => s.name === service));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    const known = knownServices(plans);
    throw new RequestError(
      422,
      `${at}.labels.${SERVICE_LABEL}`,
      `no plan covers service "${service}" (${PLAN_RULE}); services with a plan: ${listed(known)}; add a ${PLAN_LABEL} label or a plan for it`,
      [],
      known,
    );
  }
  const names = candidates.map((p) => p.name);
  throw new RequestError(
    422,
    `${at}.labels.${PLAN_LABEL}`,
    `several plans cover service "${service}" (${names.join(', ')}): add a "${PLAN_LABEL}" label naming one`,
    [],
    names,
  );
}

export function routeAlert(plans: ReadonlyMap<string, Plan>, alert: Alert, index: number, receivedAt: string): RoutedAlert {
  const at = `alerts[${index}]`;
  const service = alert.labels[SERVICE_LABEL];
  if (!service) {
    const known = knownServices(plans);
    throw new RequestError(
      422,
      `${at}.labels.${SERVICE_LABEL}`,
      `every alert needs a "${SERVICE_LABEL}" label: the API reads the service from it; services with a plan: ${listed(known)}`,
      [],
      known,
    );
  }
  const plan = findPlan(plans, alert.labels, at);
  if (!plan.targets.services.some((s) => s.name === service)) {
    const known = plan.targets.services.map((s) => s.name);
    throw new RequestError(
      422,
      `${at}.labels.${SERVICE_LABEL}`,
      `plan "${plan.name}" has no service "${service}" (label "${SERVICE_LABEL}"); its services: ${listed(known)}`,
      [],
      known,
    );
  }
  const trigger = plan.triggers.find((t) => triggerMatches(t, alert.labels));
  if (!trigger) {
    // The field at fault: the label the plan's triggers match on (alertname unless a trigger's `match` says otherwise).
    const keys = [...new Set(plan.triggers.flatMap((t) => Object.keys(triggerMatch(t))))];
    const label = keys.includes('alertname') || keys.length === 0 ? 'alertname' : keys[0];
    const matches = plan.triggers.map(
      (t) =>
        `${t.name} (${Object.entries(triggerMatch(t))
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')})`,
    );
    throw new RequestError(
      422,
      `${at}.labels.${label}`,
      `no trigger of plan "${plan.name}" matches alert "${alert.labels.alertname}": the API picks the trigger whose \`match\` labels the alert carries (by default alertname = the trigger's name); its triggers: ${matches.join(', ')}`,
      [],
      plan.triggers.map((t) => t.name),
    );
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
