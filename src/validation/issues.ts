// Issues found after the schema: each names the path of the offending field.
export interface CrossIssue {
  path: string;
  segments: (string | number)[];
  message: string;
}

export type Segments = (string | number)[];

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export class IssueList {
  readonly issues: CrossIssue[] = [];

  add(segments: Segments, message: string): void {
    this.issues.push({ path: formatPath(segments), segments, message });
  }

  /** Reports each name of `names` that is not in `known`. */
  references(segments: Segments, names: readonly string[], known: ReadonlySet<string> | readonly string[], what: string): void {
    const set = known instanceof Set ? known : new Set(known as readonly string[]);
    names.forEach((name, i) => {
      if (!set.has(name)) this.add([...segments, i], `${what} "${name}" is not defined`);
    });
  }
}
