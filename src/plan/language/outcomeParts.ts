// Enumerations shared by decisions, authority and step approvals.
import { z } from 'zod';

export const DecisionDefault = z
  .enum(['rollback', 'hold'])
  .meta({ description: 'What happens when nobody answers in time: roll back (go ahead) or hold.', examples: ['rollback'], seed: '002' });

export const Quorum = z
  .enum(['any', 'all'])
  .meta({ description: '"any": one permitted person decides; "all": one person of every listed role must agree.', examples: ['all'], seed: '002' });

export const Migration = z
  .enum(['none', 'reversible', 'irreversible'])
  .meta({ description: "How a deployment's schema migration can be undone (seed 003 §4.5).", examples: ['reversible'], seed: '003' });

export type DecisionDefault = z.infer<typeof DecisionDefault>;
export type Quorum = z.infer<typeof Quorum>;
export type Migration = z.infer<typeof Migration>;
