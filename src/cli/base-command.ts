import { Command } from '@oclif/core';
import { sanitizeLines } from '../text/sanitize.js';
import { toCliError } from './errors.js';

/**
 * Every command's base: turns errors into a short message with a hint and a documented exit
 * code, instead of a stack trace.
 */
export abstract class BaseCommand extends Command {
  protected override async catch(
    error: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<unknown> {
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (error.oclif?.exit !== undefined && error.name !== 'CliError') {
      const message = error.message.replace(/\n*See more help with --help\s*$/, '');
      process.stderr.write(
        `Error: ${sanitizeLines(message)}\nSee '${this.config.bin} ${this.id ?? ''} --help'.\n`,
      );
      process.exitCode = 2;
      return;
    }
    const cli = toCliError(error);
    // Messages quote registries and clusters (names, error bodies): never raw to the terminal.
    process.stderr.write(`Error: ${sanitizeLines(cli.message)}\n`);
    if (cli.hint) process.stderr.write(`Hint: ${sanitizeLines(cli.hint)}\n`);
    if (cli.exit === 'internal' && process.env['TKN_ARTIFACTS_DEBUG'] && error.stack) {
      process.stderr.write(`${sanitizeLines(error.stack)}\n`);
    }
    process.exitCode = cli.exitCode;
  }
}
