// The alert labels and annotations that the Alertmanager webhook reads and that
// `rollback plan rules` writes into Prometheus rules, named once for both.

/** Label that names the plan explicitly; without it the service's plan is looked up. */
export const PLAN_LABEL = 'rollback_plan';
export const SERVICE_LABEL = 'service';
/** The trigger's value as a quantity in the plan's units ("4.2%", "0.6s"): the decision fact `value`. */
export const VALUE_ANNOTATION = 'value';
/** How long the condition has held ("2m"): the decision fact `heldFor`. */
export const HELD_FOR_ANNOTATION = 'held_for';
