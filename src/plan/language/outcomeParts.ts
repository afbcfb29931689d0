// Enumerations shared by decisions, authority and step approvals.
import { z } from 'zod';

/** What happens when nobody answers in time: roll back (go ahead) or hold. */
export const DecisionDefault = z.enum(['rollback', 'hold']);

/** "any": one permitted person decides; "all": one person of every listed role must agree. */
export const Quorum = z.enum(['any', 'all']);

/** How a deployment's schema migration can be undone (seed 003 §4.5). */
export const Migration = z.enum(['none', 'reversible', 'irreversible']);

export type DecisionDefault = z.infer<typeof DecisionDefault>;
export type Quorum = z.infer<typeof Quorum>;
export type Migration = z.infer<typeof Migration>;
