// The embedded source-control adapter: a local git working tree (the runbook's
// `git checkout HEAD~1`, `git checkout v1.2.3-stable`, `git checkout HEAD~1 -- config/`).
// A failed checkout is an outcome (ok: false with git's message), like a failed command;
// only an unusable repository throws.
import { simpleGit, type SimpleGit } from 'simple-git';
import type { GitAdapter } from '../plan/language/runtimeAdapters';
import type { ActionRecord, SourceControl } from './roles';
import { DEFAULT_OUTPUT_LIMIT, tail } from './shell';

export interface GitOptions {
  /** Longest a single git command may block; default 60 s. */
  timeoutMs?: number;
}

/**
 * Refs relative to where HEAD (or a branch) is now, like `HEAD~1`: checking one out twice
 * lands one commit further back the second time, so a retry must use the commit it named first.
 */
export function isRelativeRef(ref: string): boolean {
  return ref === 'HEAD' || ref === '@' || /[~^]|@\{/.test(ref);
}

export class InvalidRefError extends Error {
  readonly type = 'InvalidStep';
  constructor(readonly ref: string) {
    super(`"${ref}" is not a git ref (it may not start with "-")`);
    this.name = 'InvalidRefError';
  }
}

function checkRef(ref: string): void {
  if (!ref || ref.startsWith('-') || /[\s\0]/.test(ref)) throw new InvalidRefError(ref);
}

/** The configured repository is not there (yet): a mount missing, a path mistyped. */
export class RepositoryUnavailableError extends Error {
  readonly type = 'Unavailable';
  constructor(
    readonly repo: string,
    detail: string,
  ) {
    super(`git repository ${repo} is not usable: ${detail}`);
    this.name = 'RepositoryUnavailableError';
  }
}

export class GitSourceControl implements SourceControl {
  private client: SimpleGit | undefined;

  constructor(
    readonly repo: string,
    private readonly options: GitOptions = {},
  ) {}

  /** Opened on first use, so that configuring a repository never fails by itself. */
  private get git(): SimpleGit {
    if (!this.client) {
      try {
        this.client = simpleGit({ baseDir: this.repo, timeout: { block: this.options.timeoutMs ?? 60_000 } });
      } catch (err) {
        throw new RepositoryUnavailableError(this.repo, (err as Error).message);
      }
    }
    return this.client;
  }

  async currentCommit(): Promise<{ commit: string; subject: string }> {
    const line = (await this.git.raw(['log', '-1', '--format=%H%x00%s'])).trim();
    const [commit = '', subject = ''] = line.split('\0');
    return { commit, subject };
  }

  /** The commit a ref names (tags are peeled), or undefined when it names none. */
  async resolveRef(ref: string): Promise<string | undefined> {
    checkRef(ref);
    const git = this.git; // an unusable repository is an error, not a missing ref
    try {
      const out = (await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
      return /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The newest tag matching a pattern (`release-*-stable`): the highest in git's version order
   * (`release-1.10-stable` after `release-1.9-stable`), with the commit it points at; undefined
   * when no tag matches.
   */
  async newestTag(pattern: string): Promise<{ tag: string; commit: string } | undefined> {
    checkRef(pattern);
    const out = await this.git.raw([
      'for-each-ref',
      '--sort=-v:refname',
      '--count=1',
      '--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)',
      `refs/tags/${pattern}`,
    ]);
    const [tag, object, peeled] = out.trim().split('\0');
    return tag ? { tag, commit: peeled || object } : undefined;
  }

  async refExists(ref: string): Promise<boolean> {
    return (await this.resolveRef(ref)) !== undefined;
  }

  async differingFrom(commit: string, paths?: string[]): Promise<string[]> {
    checkRef(commit);
    // Working tree against the commit, for the files the commit has: like `git checkout <commit> -- <paths>`,
    // files the commit does not have are not its business (--diff-filter=a leaves out added ones).
    const out = await this.git.raw(['diff', '--name-only', '--diff-filter=a', commit, '--', ...(paths ?? [])]);
    return out.split('\n').filter(Boolean);
  }

  async checkout(ref: string, paths?: string[]): Promise<ActionRecord> {
    checkRef(ref);
    const withPaths = paths !== undefined && paths.length > 0;
    const command = `git checkout ${ref}${withPaths ? ` -- ${paths.join(' ')}` : ''}`;
    const target = await this.resolveRef(ref);
    if (!target) {
      return { ok: false, command, summary: `git ref ${ref} not found in ${this.repo}`, details: { repo: this.repo, ref } };
    }
    const previous = (await this.git.raw(['rev-parse', 'HEAD'])).trim();
    try {
      await this.git.raw(['checkout', ref, ...(withPaths ? ['--', ...paths] : [])]);
    } catch (err) {
      return {
        ok: false,
        command,
        summary: `git checkout ${ref} failed`,
        output: tail((err as Error).message, DEFAULT_OUTPUT_LIMIT),
        details: { repo: this.repo, ref, commit: target, previous },
      };
    }
    const head = (await this.git.raw(['rev-parse', 'HEAD'])).trim();
    const short = target.slice(0, 12);
    return {
      ok: true,
      command,
      exitCode: 0,
      summary: withPaths ? `restored ${paths.join(', ')} from ${ref} (${short})` : `checked out ${ref} (${short}), was ${previous.slice(0, 12)}`,
      details: { repo: this.repo, ref, commit: target, previous, head, ...(withPaths ? { paths } : {}) },
    };
  }
}

/** The plan's `adapters.git`, or undefined when the plan names no repository. */
export function gitSourceControlFor(config: GitAdapter | undefined, options?: GitOptions): GitSourceControl | undefined {
  return config ? new GitSourceControl(config.repo, options) : undefined;
}
