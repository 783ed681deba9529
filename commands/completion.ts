import { Args } from '@oclif/core';
import { BaseCommand } from '../src/cli/base-command.js';
import { SHELLS, type CompletionCommand } from '../src/cli/completion.js';

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script (bash or zsh)';

  static override description = `Written from the commands' own flags, so it always matches this version.
Load it in the current shell with source <(tkn-artifacts completion bash), or save it where your
shell loads completions from (/etc/bash_completion.d/, or a file sourced from ~/.zshrc).`;

  static override examples = [
    'source <(<%= config.bin %> completion bash)',
    '<%= config.bin %> completion zsh > ~/.zsh/tkn-artifacts.zsh',
  ];

  static completionArgs: CompletionCommand['args'] = SHELLS;

  static override args = {
    shell: Args.string({ description: 'the shell', options: [...SHELLS], required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    // The command list as oclif loaded it (nothing here imports the command index).
    const { completionCommands, completionScript } = await import('../src/cli/completion.js');
    process.stdout.write(
      completionScript(args.shell as 'bash' | 'zsh', completionCommands(this.config.commands)),
    );
  }
}
