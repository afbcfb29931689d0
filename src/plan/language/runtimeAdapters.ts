// The embedded adapters a worker needs to act on the runbook's own world: the shell the
// steps' commands run in, and the local git repository of the deployed code.
import { z } from 'zod';
import { EnvVarName } from './common';

const UNIT_BYTES = { B: 1, KiB: 1024, MiB: 1024 * 1024 } as const;
export const BYTE_SIZE_PATTERN = /^(\d+)\s*(B|KiB|MiB)$/;
const BYTE_SIZE_HINT = 'write a size with a unit (B, KiB, MiB), e.g. "4KiB"';

/** "4KiB" → 4096. */
export function parseByteSize(text: string): number {
  const match = BYTE_SIZE_PATTERN.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a size: ${BYTE_SIZE_HINT}`);
  return Number(match[1]) * UNIT_BYTES[match[2] as keyof typeof UNIT_BYTES];
}

/** 4096 → "4.0 KiB": a size as people read it (a dump's, in records and reports). */
export function formatByteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [unit, size]: [string, number] = bytes < 1024 ** 2 ? ['KiB', 1024] : bytes < 1024 ** 3 ? ['MiB', 1024 ** 2] : ['GiB', 1024 ** 3];
  return `${(bytes / size).toFixed(1)} ${unit}`;
}

/** Names the engine sets for every step command; a plan may not set them itself. */
export const ENGINE_ENV_PREFIX = 'ROLLBACK_';

export const CommandsAdapterSchema = z.strictObject({
  cwd: z
    .string()
    .min(1)
    .optional()
    .meta({
      description: "Directory the commands run in (the runbook's `cd /home/genesis/genesis-rebuild`); without it, a fresh folder per run.",
      examples: ['/home/genesis/genesis-rebuild'],
      seed: '004',
    }),
  env: z
    .record(
      EnvVarName.refine((name) => !name.startsWith(ENGINE_ENV_PREFIX), {
        message: `${ENGINE_ENV_PREFIX}* variables are set by the engine for each step`,
      }),
      z.string(),
    )
    .default({})
    .meta({ description: 'Extra environment for every command. Values are plain data: never a secret.', examples: [{ DEPLOY_ENV: 'production' }] }),
  secretEnv: z
    .array(EnvVarName)
    .default([])
    .meta({
      description: 'Names of worker environment variables holding secrets: their values are shown as *** in the incident record.',
      examples: [['SLACK_WEBHOOK_URL', 'PAGERDUTY_ROUTING_KEY']],
      seed: '004',
    }),
  outputLimit: z
    .string()
    .regex(BYTE_SIZE_PATTERN, BYTE_SIZE_HINT)
    .default('4KiB')
    .meta({ description: "How much of a command's output the incident record keeps (the tail).", examples: ['16KiB'] }),
});

export const GitAdapterSchema = z.strictObject({
  repo: z
    .string()
    .min(1)
    .meta({
      description: 'Path of the working tree that `git.checkout` and `config.revert` act on.',
      examples: ['/home/genesis/genesis-rebuild'],
      seed: '004',
    }),
});

export type CommandsAdapter = z.infer<typeof CommandsAdapterSchema>;
export type GitAdapter = z.infer<typeof GitAdapterSchema>;
