// The API's credentials, configured by reference: a tokens file (API_TOKENS_FILE) whose
// entries say where each token is — an environment variable, a file, or only its SHA-256 —
// never the token itself. Checked at boot: a bad entry stops the API with its path named.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ApiConfig } from '../config';
import { type Credential, Credentials, LEGACY_TOKEN_SCOPES, Scope, SCOPES, sha256 } from './auth';
import { fieldPath } from './errors';

const MIN_TOKEN_LENGTH = 16;

const TokenEntry = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a name of letters, digits, . _ - (at most 64)'),
    scopes: z.array(z.enum(SCOPES)).min(1, 'give at least one scope'),
    person: z
      .string()
      .regex(/^[UW][A-Z0-9]+$/, 'the Slack user id of the person (e.g. U012ABCDEF), as plans list approvers')
      .optional(),
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable')
      .optional(),
    tokenFile: z.string().min(1).optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, "the token's SHA-256 as 64 hex digits")
      .optional(),
  })
  .superRefine((entry, ctx) => {
    const refs = (['tokenEnv', 'tokenFile', 'sha256'] as const).filter((k) => entry[k] !== undefined);
    if (refs.length !== 1)
      ctx.addIssue({ code: 'custom', path: [], message: `give exactly one of tokenEnv, tokenFile, sha256 (found ${refs.join(', ') || 'none'})` });
    if (entry.scopes.includes(Scope.IncidentsDecide) && !entry.person) {
      ctx.addIssue({
        code: 'custom',
        path: ['person'],
        message: `a token with ${Scope.IncidentsDecide} must name its person: decisions are made in that person's name`,
      });
    }
  });

const TokensFile = z.strictObject({ tokens: z.array(TokenEntry).min(1, 'list at least one token') });

export class TokensFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid tokens file ${path} (API_TOKENS_FILE):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TokensFileError';
  }
}

type Entry = { digest: Buffer; credential: Credential };

function tokenProblem(token: string | undefined, where: string): string | undefined {
  if (token === undefined || token === '') return `${where} is not set`;
  if (token.length < MIN_TOKEN_LENGTH) return `${where} is shorter than ${MIN_TOKEN_LENGTH} characters`;
  return undefined;
}

/** Reads and checks a tokens file; tokens named by variable come from `env`. */
export function loadTokensFile(path: string, env: NodeJS.ProcessEnv): Entry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TokensFileError(path, [`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new TokensFileError(path, [`not YAML/JSON: ${(err as Error).message}`]);
  }
  const parsed = TokensFile.safeParse(raw);
  if (!parsed.success)
    throw new TokensFileError(
      path,
      parsed.error.issues.map((i) => `${fieldPath(i.path) || '(file)'}: ${i.message}`),
    );

  const problems: string[] = [];
  const entries: Entry[] = [];
  const seenNames = new Map<string, number>();
  const seenDigests = new Map<string, number>();
  parsed.data.tokens.forEach((entry, i) => {
    const at = `tokens[${i}] (${entry.name})`;
    const earlier = seenNames.get(entry.name);
    if (earlier !== undefined) problems.push(`${at}: the name is already used by tokens[${earlier}]`);
    seenNames.set(entry.name, i);

    let digest: Buffer | undefined;
    if (entry.sha256) digest = Buffer.from(entry.sha256, 'hex');
    else if (entry.tokenEnv) {
      const token = env[entry.tokenEnv];
      const problem = tokenProblem(token, `tokenEnv: the variable ${entry.tokenEnv}`);
      if (problem) problems.push(`${at}: ${problem}`);
      else digest = sha256(token!);
    } else if (entry.tokenFile) {
      const file = resolve(dirname(path), entry.tokenFile);
      let token: string | undefined;
      try {
        token = readFileSync(file, 'utf8').trim();
      } catch (err) {
        problems.push(`${at}: tokenFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      const problem = token === undefined ? undefined : tokenProblem(token, `tokenFile: ${file}`);
      if (problem) problems.push(`${at}: ${problem}`);
      else if (token !== undefined) digest = sha256(token);
    }
    if (!digest) return;
    const hex = digest.toString('hex');
    const twin = seenDigests.get(hex);
    if (twin !== undefined) problems.push(`${at}: the same token as tokens[${twin}]: one token, one credential`);
    seenDigests.set(hex, i);
    entries.push({ digest, credential: { name: entry.name, scopes: [...new Set(entry.scopes)], ...(entry.person ? { person: entry.person } : {}) } });
  });
  if (problems.length) throw new TokensFileError(path, problems);
  return entries;
}

/** Every credential the API accepts: the tokens file's, and the legacy API_TOKEN (never deciding). */
export function apiCredentials(config: Pick<ApiConfig, 'API_TOKENS_FILE' | 'API_TOKEN'>, env: NodeJS.ProcessEnv = process.env): Credentials {
  const entries = config.API_TOKENS_FILE ? loadTokensFile(config.API_TOKENS_FILE, env) : [];
  if (config.API_TOKEN) {
    const digest = sha256(config.API_TOKEN);
    const twin = entries.find((e) => e.digest.equals(digest));
    if (twin) throw new TokensFileError(config.API_TOKENS_FILE!, [`API_TOKEN is the same token as "${twin.credential.name}": one token, one credential`]);
    entries.push({ digest, credential: { name: 'API_TOKEN', scopes: LEGACY_TOKEN_SCOPES } });
  }
  return Credentials.fromDigests(entries);
}
