// The decision facts a person gives on the command line (`plan explain`, `start`, `drill`),
// checked as they are parsed and turned into the base units the policy reads.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../plan/duration';
import { parseQuantity } from '../plan/quantity';
import { Migration } from '../plan/schema';
import type { DecisionContext } from '../policy/context';

export interface ContextOptions {
  phase?: string;
  severity?: string;
  value?: string;
  impact?: string;
  timeToFix?: string;
  heldFor?: string;
  migration?: Migration;
}

/** Checks an option's text when it is parsed, and keeps the text for messages. */
const checked =
  (what: string, parse: (text: string) => unknown) =>
  (text: string): string => {
    try {
      parse(text);
      return text;
    } catch (error) {
      throw new InvalidArgumentError(`not ${what}: ${(error as Error).message}`);
    }
  };

function parseShare(text: string): number {
  const q = parseQuantity(text);
  if (q.kind !== 'fraction') throw new Error('write a percentage, e.g. "60%"');
  return q.value;
}

export function addContextOptions(command: Command): Command {
  return command
    .option('--phase <phase>', 'canary phase, e.g. 25%')
    .option('--severity <name>', "severity, one of the plan's severities")
    .option('--value <quantity>', 'current metric value, e.g. 0.7% or 350ms', checked('a quantity', parseQuantity))
    .option('--impact <share>', 'share of users affected, e.g. 60%', checked('a share of users', parseShare))
    .option('--time-to-fix <duration>', 'estimated time to a fix, e.g. 45m', checked('a duration', parseDuration))
    .option('--held-for <duration>', 'how long the condition has held, e.g. 90s', checked('a duration', parseDuration))
    .addOption(new Option('--migration <kind>', 'migration in the release').choices(Migration.options));
}

export function contextFromOptions(options: ContextOptions): Omit<DecisionContext, 'trigger'> {
  const { phase, severity, value, impact, timeToFix, heldFor, migration } = options;
  return {
    ...(phase !== undefined ? { phase } : {}),
    ...(severity !== undefined ? { severity } : {}),
    ...(migration !== undefined ? { migration } : {}),
    ...(value !== undefined ? { value: parseQuantity(value).value } : {}),
    ...(impact !== undefined ? { impact: parseShare(impact) } : {}),
    ...(timeToFix !== undefined ? { timeToFix: parseDuration(timeToFix) } : {}),
    ...(heldFor !== undefined ? { heldFor: parseDuration(heldFor) } : {}),
  };
}
