// `npm start`'s API credentials for the README's walk-through, in its data folder: a token for
// the alert webhook, one for reading, and one per approver of the demo plan, each in its
// own file (kept across starts), listed by reference in api-tokens.yaml beside them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadPlanFile } from '../../src/validation/files';

export interface DemoTokens {
  /** For API_TOKENS_FILE. */
  tokensFile: string;
  /** What each token file is for, to print. */
  summary: string[];
}

function tokenFile(dir: string, name: string): string {
  const file = join(dir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('hex') + '\n', { mode: 0o600 });
  return file;
}

export function writeDemoTokens(dataDir: string, demoPlanFile: string): DemoTokens {
  const dir = join(dataDir, 'tokens');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const plan = loadPlanFile(demoPlanFile);
  const approvers = [...new Set(Object.values(plan.authority.roles).flatMap((role) => role.members))];
  const entries = [
    { name: 'alertmanager', scopes: ['alerts:write'], file: tokenFile(dir, 'alertmanager'), use: 'post alerts' },
    { name: 'reader', scopes: ['incidents:read'], file: tokenFile(dir, 'reader'), use: 'read status, reports, freeze' },
    ...approvers.map((person) => ({
      name: person,
      person,
      scopes: ['incidents:read', 'incidents:decide'],
      file: tokenFile(dir, person),
      use: `decide as ${person}`,
    })),
  ];
  const tokensFile = join(dataDir, 'api-tokens.yaml');
  const yaml = entries
    .map(
      (e) =>
        `  - name: ${e.name}\n${'person' in e ? `    person: ${e.person}\n` : ''}    scopes: [${e.scopes.join(', ')}]\n    tokenFile: ${relative(dataDir, e.file)}\n`,
    )
    .join('');
  writeFileSync(tokensFile, `# Written by npm start for the demo plan (${relative(process.cwd(), demoPlanFile)}); see README "API".\ntokens:\n${yaml}`);
  const shown = (file: string) => relative(process.cwd(), file);
  return { tokensFile, summary: entries.map((e) => `${shown(e.file).padEnd(28)} ${e.use}`) };
}
