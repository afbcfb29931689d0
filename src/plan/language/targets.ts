// What a plan rolls back: services with their dependencies (dependencies roll back
// first), last-known-good references and recovery objectives, and the environments.
import { z } from 'zod';
import { Duration, Slug } from './common';

export const ServiceSchema = z.strictObject({
  name: Slug,
  /** Services this one needs; they are rolled back (and stabilise) before it. */
  dependsOn: z.array(Slug).default([]),
  lastKnownGood: z.strictObject({ ref: z.string().min(1), image: z.string().optional() }).optional(),
  rto: Duration.optional(),
  rpo: Duration.optional(),
  priority: z.enum(['critical', 'high', 'medium', 'low']).optional(),
  /** Checks that say the service is stable after its wave. */
  checks: z.array(z.string()).default([]),
});

export const TargetsSchema = z.strictObject({
  /** Where an alert-started run acts. */
  environment: z.string().default('production'),
  /** Every environment the plan may run in (drills use staging). */
  environments: z.array(z.string().min(1)).default(['production']),
  services: z.array(ServiceSchema).min(1),
});

export type Service = z.infer<typeof ServiceSchema>;
