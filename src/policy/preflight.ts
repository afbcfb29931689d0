// What a drill cannot reach before it starts (issue 11: a drill says which commands or
// targets it cannot reach, and runs those in dry-run): the programs a plan's commands
// call, and which steps and checks depend on a program or adapter found missing.
import type { Check, Plan, Step } from '../plan/schema';
import { stepInfo } from '../plan/stepTypes';

/** What the worker found missing: programs no command can start, adapters that did not answer. */
export interface Unreachable {
  programs: readonly string[];
  /** Adapter key (`traffic`, `database`, …) → why it could not be reached. */
  adapters: Readonly<Record<string, string>>;
  /** An HTTP check's URL → why nothing answered it (no HTTP status at all: name, connection, time). */
  urls: Readonly<Record<string, string>>;
}

/** Shell words that start a command without naming a program. */
const NOT_PROGRAMS = new Set(['!', '(', '{', 'then', 'do', 'else', 'if', 'while', 'until', 'time', 'exec', 'sudo', 'env', 'nohup']);

/** Programs that run a script named as their first argument; the script must exist too. */
const INTERPRETERS = new Set(['bash', 'sh', 'python', 'python3', 'node', 'ruby', 'perl']);

const stripQuotes = (word: string) => word.replace(/^(['"])(.*)\1$/, '$2');

/**
 * The programs a command line starts: the first word of each simple command (`&&`, `||`,
 * `;`, `|`, new lines), after variable assignments, and the script an interpreter runs
 * (`python3 tools/check.py`). Words with `$` or backquotes are decided at run time, and are
 * not named. A heuristic for a report, not a shell parser.
 */
export function programsOf(command: string): string[] {
  const programs: string[] = [];
  const add = (word: string) => {
    if (!/[$`]/.test(word) && !programs.includes(word)) programs.push(word);
  };
  for (const segment of command.split(/&&|\|\||[;|\n]/)) {
    const words = segment.trim().split(/\s+/).filter(Boolean).map(stripQuotes);
    const at = words.findIndex((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && !NOT_PROGRAMS.has(w));
    if (at < 0 || words[at].startsWith('#')) continue;
    add(words[at]);
    const script = INTERPRETERS.has(words[at]) ? words.slice(at + 1).find((w) => !w.startsWith('-')) : undefined;
    if (script?.includes('/')) add(script);
  }
  return programs;
}

function stepsOf(plan: Plan): Step[] {
  return [
    ...plan.levels.flatMap((l) => l.steps),
    ...plan.decisions.flatMap((d) => d.rules.flatMap((r) => ('steps' in r.outcome ? (r.outcome.steps ?? []) : []))),
  ];
}

/** The URLs of the plan's HTTP checks, once each. */
export function checkUrlsOf(plan: Plan): string[] {
  return [...new Set(Object.values(plan.checks).flatMap((c) => (c.type === 'http' ? [c.url] : [])))];
}

/** Every command the plan may run: steps, command checks, the capture's logs, the targets' confirmation. */
export function commandsOf(plan: Plan): string[] {
  const commands = [
    ...stepsOf(plan).flatMap((s) => (s.command ? [s.command] : [])),
    ...Object.values(plan.checks).flatMap((c) => (c.type === 'command' ? [c.command] : [])),
    ...(plan.capture?.logs ? [plan.capture.logs.command] : []),
    ...(plan.targets.confirm ? [plan.targets.confirm.command] : []),
  ];
  return [...new Set(commands)];
}

/** Why a command cannot run in this drill: the programs of it that are missing. */
export function commandUnreachable(command: string, unreachable: Unreachable): string | undefined {
  const missing = programsOf(command).filter((p) => unreachable.programs.includes(p));
  return missing.length ? `${missing.join(', ')} not found` : undefined;
}

/** Why a step cannot act in this drill, or undefined when it can. */
export function stepUnreachable(step: Step, unreachable: Unreachable): string | undefined {
  if (step.command) return commandUnreachable(step.command, unreachable);
  const { adapter, runs } = stepInfo(step.type);
  const why = runs === 'activity' && adapter ? unreachable.adapters[adapter] : undefined;
  return why === undefined ? undefined : `adapters.${adapter}: ${why}`;
}

/** Why a check cannot run in this drill, or undefined when it can. */
export function checkUnreachable(check: Check, unreachable: Unreachable): string | undefined {
  if (check.type === 'command') return commandUnreachable(check.command, unreachable);
  if (check.type === 'http') return unreachable.urls[check.url] === undefined ? undefined : `${check.url}: ${unreachable.urls[check.url]}`;
  const why = unreachable.adapters.metrics;
  return why === undefined ? undefined : `adapters.metrics: ${why}`;
}
