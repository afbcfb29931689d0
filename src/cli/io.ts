// Where CLI output goes; tests hand in buffers.
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Exit codes a CI pipeline can rely on. */
export const EXIT = {
  ok: 0,
  /** A plan is invalid (or could not be read). */
  invalid: 1,
  /** The command line is wrong: unknown option, missing argument, unknown trigger. */
  usage: 2,
} as const;

/** Thrown by commands to end with a message and an exit code. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
