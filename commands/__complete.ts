import { BaseCommand } from '../src/cli/base-command.js';

/**
 * Cobra's completion protocol for kubectl's plugin completion (src/cli/completion.ts). main.ts
 * answers it before oclif, so words like `--help` are completed rather than obeyed; the command
 * is here for oclif's listing (hidden) and for anyone calling it through oclif.
 */
export default class CompleteCommand extends BaseCommand {
  static override hidden = true;
  static override strict = false;
  static override summary = 'Completion candidates for kubectl (cobra __complete protocol)';

  async run(): Promise<void> {
    // Not this.parse(): the words are another command's flags, which must not be parsed here.
    const { completeForKubectl, completionCommands } = await import('../src/cli/completion.js');
    process.stdout.write(await completeForKubectl(completionCommands(this.config.commands), [...this.argv]));
  }
}
