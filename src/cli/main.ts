// The `rollback` command line. Each group of subcommands lives in its own module.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../config';
import { incidentCommands, type IncidentCommandDeps } from './incidentCommands';
import { CliExit, EXIT, EXIT_CODES_HELP, type CliIo } from './io';
import { withLocalStack } from './localStack';
import { planCommand } from './planCommands';
import { watchCommand } from './watchCommands';

export function buildProgram(io: CliIo, setExit: (code: number) => void, deps: IncidentCommandDeps = {}): Command {
  const program = new Command('rollback')
    .description('rollback-orchestrator: runbooks that run themselves')
    .version(VERSION)
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  program.addCommand(planCommand(io, setExit));
  for (const command of incidentCommands(io, setExit, deps)) program.addCommand(command);
  program.addCommand(watchCommand(io, setExit, deps));
  // Subcommands inherit neither exitOverride nor output settings from the root.
  const inherit = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    command.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/** Runs the CLI and returns its exit code instead of exiting, so tests can call it. */
export async function runCli(argv: readonly string[], io: CliIo, deps: IncidentCommandDeps = {}): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => (exitCode = code), deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CliExit) {
      // --json: stdout holds one JSON document whatever happens.
      if (argv.includes('--json')) io.out(JSON.stringify({ error: error.message, exitCode: error.exitCode }, null, 2) + '\n');
      else io.err(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      // Help and version end with 0; every other parsing error is a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
}

if (require.main === module) {
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  runCli(process.argv.slice(2), io, { env: withLocalStack(process.env) }).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
