// Shared by the adapters that drive a server's own tools (nginx -t / -s reload, psql,
// pg_restore): run a binary without a shell, keep the tail of its output for the
// incident record.
import { execFile } from 'node:child_process';

/** Output kept in an ActionRecord: the last few KiB, where the error usually is. */
export const OUTPUT_TAIL_CHARS = 4096;

export function tail(text: string, max = OUTPUT_TAIL_CHARS): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `…${trimmed.slice(-(max - 1))}`;
}

export interface ExecResult {
  /** Exit code; -1 when the binary could not be started or was killed. */
  exitCode: number;
  output: string;
  /** The command line as shown to people (no secrets ever go into arguments). */
  command: string;
}

export function execTool(binary: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExecResult> {
  const command = [binary, ...args].join(' ');
  return new Promise((done) => {
    execFile(binary, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = tail(`${stdout}${stderr}`);
      if (!error) return done({ exitCode: 0, output, command });
      const code = (error as { code?: unknown }).code;
      done({ exitCode: typeof code === 'number' ? code : -1, output: output || error.message, command });
    });
  });
}
