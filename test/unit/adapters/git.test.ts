// The git adapter against a real repository: commit info, refs of every kind, checkout of
// a tag, and config.revert of one path.
import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitSourceControl, gitSourceControlFor, isRelativeRef } from '../../../src/adapters/git';
import { caught } from '../../support/caught';
import { createRepo } from '../../support/gitRepo';

function threeReleases() {
  const repo = createRepo();
  const v1 = repo.commit('release 1', { 'app.txt': 'v1\n', 'config/app.json': '{"pool":10}\n' });
  repo.git('tag', 'v1.2.3-stable');
  const v2 = repo.commit('release 2', { 'app.txt': 'v2\n', 'config/app.json': '{"pool":20}\n' });
  repo.git('tag', '-a', 'v2.0.0', '-m', 'annotated');
  const v3 = repo.commit('release 3: bad config', { 'app.txt': 'v3\n', 'config/app.json': '{"pool":0}\n' });
  return { repo, v1, v2, v3, git: new GitSourceControl(repo.dir) };
}

test('currentCommit gives the commit id and subject (the runbook\'s git log -1 --format="%H %s")', async () => {
  const { git, v3 } = threeReleases();
  expect(await git.currentCommit()).toEqual({ commit: v3, subject: 'release 3: bad config' });
});

test('refExists knows tags (light and annotated), branches, commits and HEAD~1', async () => {
  const { git, repo, v1 } = threeReleases();
  repo.git('branch', 'hotfix');
  for (const ref of ['v1.2.3-stable', 'v2.0.0', 'main', 'hotfix', v1, v1.slice(0, 8), 'HEAD', 'HEAD~1', 'HEAD~2']) {
    expect([ref, await git.refExists(ref)]).toEqual([ref, true]);
  }
  for (const ref of ['v9.9.9', 'HEAD~3', 'nope', '0000000000000000000000000000000000000000']) {
    expect([ref, await git.refExists(ref)]).toEqual([ref, false]);
  }
});

test('resolveRef peels an annotated tag to its commit', async () => {
  const { git, v2 } = threeReleases();
  expect(await git.resolveRef('v2.0.0')).toBe(v2);
  expect(await git.resolveRef('HEAD~1')).toBe(v2);
});

test('checkout of a tag moves HEAD to it and records where it was', async () => {
  const { git, repo, v1, v3 } = threeReleases();
  const record = await git.checkout('v1.2.3-stable');
  expect(record).toMatchObject({
    ok: true,
    exitCode: 0,
    command: 'git checkout v1.2.3-stable',
    details: { ref: 'v1.2.3-stable', commit: v1, previous: v3, head: v1 },
  });
  expect(record.summary).toBe(`checked out v1.2.3-stable (${v1.slice(0, 12)}), was ${v3.slice(0, 12)}`);
  expect(repo.head()).toBe(v1);
  expect(readFileSync(join(repo.dir, 'app.txt'), 'utf8')).toBe('v1\n');
});

test('checkout with paths restores one path from the ref and leaves HEAD and other files alone (config.revert)', async () => {
  const { git, repo, v2, v3 } = threeReleases();
  const record = await git.checkout('HEAD~1', ['config/app.json']);
  expect(record).toMatchObject({ ok: true, command: 'git checkout HEAD~1 -- config/app.json', details: { commit: v2, head: v3, paths: ['config/app.json'] } });
  expect(readFileSync(join(repo.dir, 'config/app.json'), 'utf8')).toBe('{"pool":20}\n');
  expect(readFileSync(join(repo.dir, 'app.txt'), 'utf8')).toBe('v3\n');
  expect(repo.head()).toBe(v3);
  // Reverting the same path again changes nothing more.
  await git.checkout('HEAD~1', ['config/app.json']);
  expect(readFileSync(join(repo.dir, 'config/app.json'), 'utf8')).toBe('{"pool":20}\n');
});

test("a missing ref or a blocked checkout is ok false with git's message, not a throw", async () => {
  const { git, repo, v3 } = threeReleases();
  expect(await git.checkout('v9.9.9')).toMatchObject({ ok: false, summary: `git ref v9.9.9 not found in ${repo.dir}` });
  repo.write('app.txt', 'local edit\n');
  const blocked = await git.checkout('v1.2.3-stable');
  expect(blocked).toMatchObject({ ok: false, summary: 'git checkout v1.2.3-stable failed' });
  expect(blocked.output).toMatch(/would be overwritten/);
  expect(repo.head()).toBe(v3);
});

test('a path that does not exist in the ref is ok false', async () => {
  const { git } = threeReleases();
  const record = await git.checkout('v1.2.3-stable', ['config/missing.json']);
  expect(record.ok).toBe(false);
  expect(record.output).toMatch(/did not match/);
});

test('refs that look like options are refused', async () => {
  const { git } = threeReleases();
  expect(await caught(git.checkout('--orphan=x'))).toMatchObject({ type: 'InvalidStep' });
});

test('isRelativeRef: refs that move with HEAD', () => {
  expect(['HEAD', 'HEAD~1', 'HEAD^', 'main~2', '@{-1}', '@'].every(isRelativeRef)).toBe(true);
  expect(['v1.2.3-stable', 'main', 'abc123', 'release/2025.10'].some(isRelativeRef)).toBe(false);
});

test('gitSourceControlFor: none without adapters.git', () => {
  expect(gitSourceControlFor(undefined)).toBeUndefined();
  const { repo } = threeReleases();
  expect(gitSourceControlFor({ repo: repo.dir })?.repo).toBe(repo.dir);
});

test('a repository that is not there fails on use with a retryable Unavailable error, not on construction', async () => {
  const git = new GitSourceControl('/nonexistent/genesis-rebuild');
  expect(await caught(git.currentCommit())).toMatchObject({ type: 'Unavailable', message: expect.stringContaining('/nonexistent/genesis-rebuild') });
});

// Seed 001 line 53 (`git tag -l | grep stable`): the newest stable release, in version order.
test('newestTag finds the highest matching tag in version order, peeled to its commit; undefined when none matches', async () => {
  const repo = createRepo();
  const v19 = repo.commit('release 1.9', { 'app.txt': '1.9\n' });
  repo.git('tag', 'release-1.9-stable');
  const v110 = repo.commit('release 1.10', { 'app.txt': '1.10\n' });
  repo.git('tag', '-a', 'release-1.10-stable', '-m', 'stable');
  repo.commit('release 1.11', { 'app.txt': '1.11\n' });
  repo.git('tag', 'release-1.11-rc');
  const git = new GitSourceControl(repo.dir);

  expect(await git.newestTag('release-*-stable')).toEqual({ tag: 'release-1.10-stable', commit: v110 });
  expect(await git.newestTag('release-1.9-*')).toEqual({ tag: 'release-1.9-stable', commit: v19 });
  expect(await git.newestTag('v*-stable')).toBeUndefined();
  expect(await caught(git.newestTag('--all'))).toMatchObject({ message: '"--all" is not a git ref (it may not start with "-")' });
});
