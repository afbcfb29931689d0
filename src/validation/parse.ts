// YAML text → checked Plan. Errors name the source, the field path and, where the YAML
// library knows it, the line, so that a CI pipeline can point at the offending line.
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PlanSchema, type Plan } from '../plan/schema';
import { crossCheckPlan } from './crossCheck';
import { formatPath } from './issues';

export interface PlanIssue {
  path: string;
  message: string;
  line?: number;
}

export class PlanError extends Error {
  readonly source: string;
  readonly issues: readonly PlanIssue[];

  constructor(source: string, issues: PlanIssue[]) {
    super(`${source}: invalid plan\n` + issues.map((i) => `  - ${formatIssue(i)}`).join('\n'));
    this.name = 'PlanError';
    this.source = source;
    this.issues = issues;
  }
}

/** "path (line n): message", the form CLI output and errors share. */
export function formatIssue(issue: PlanIssue): string {
  return `${issue.path || '(root)'}${issue.line ? ` (line ${issue.line})` : ''}: ${issue.message}`;
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // Walk up until a node exists: a missing field is reported at its parent's line.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

/** Zod's own wording is kept except where a nested issue says more. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key' && issue.issues[0]) return `invalid key: ${issue.issues[0].message}`;
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return issue.message;
}

export function parsePlan(text: string, source: string): Plan {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PlanError(
      source,
      doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0], line: counter.linePos(e.pos[0]).line })),
    );
  }
  const result = PlanSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new PlanError(
      source,
      result.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: messageOf(issue),
        line: lineOf(doc, counter, issue.path),
      })),
    );
  }
  const crossIssues = crossCheckPlan(result.data);
  if (crossIssues.length > 0) {
    throw new PlanError(
      source,
      crossIssues.map(({ path, segments, message }) => ({ path, message, line: lineOf(doc, counter, segments) })),
    );
  }
  return result.data;
}
