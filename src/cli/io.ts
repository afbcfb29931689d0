// Where CLI output goes; tests hand in buffers.
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Exit codes a CI pipeline can rely on (README, "CLI"; `rollback --help`). */
export const EXIT = {
  ok: 0,
  /** Refused: a plan is invalid (or could not be read), a decision did not count, no such incident. */
  invalid: 1,
  /** The command line is wrong: unknown option, missing argument, unknown trigger. */
  usage: 2,
  /** Temporal (or, for approve and reject, the API) could not be reached: try again later. */
  unreachable: 3,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  refused: an invalid plan, a decision that did not count, an unknown incident
  2  wrong command line: unknown option or argument, a trigger, service or plan the plan does not have
  3  unreachable: Temporal (TEMPORAL_ADDRESS), or the API (ROLLBACK_API_URL) for approve and reject; try again

Every command that prints data takes --json: one JSON document on stdout, also when it
fails ({"error": …, "exitCode": …}).
`;

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
