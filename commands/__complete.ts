import { BaseCommand } from '../src/cli/base-command.js';

/**
 * Cobra's completion protocol, for kubectl's plugin completion: kubectl runs
 * `kubectl_complete-tkn-artifacts ARGS…` (bin/), which runs this with the words after
 * `kubectl tkn artifacts`, the last being the one typed. main.ts calls `completeForKubectl`
 * before oclif, so words like `--help` are completed rather than obeyed; the command is here
 * for oclif's listing (hidden) and for anyone calling it through oclif.
 */
export async function completeForKubectl(args: readonly string[]): Promise<string> {
  const [{ COMMANDS }, completion] = await Promise.all([
    import('./index.js'),
    import('../src/cli/completion.js'),
  ]);
  const answer = completion.completeArgs(completion.completionCommands(COMMANDS), args);
  const words = answer.lookup
    ? (await completion.lookupNames(answer.lookup, args))
        .filter((w) => w.startsWith(answer.prefix))
        .map((w) => `${answer.assigned ?? ''}${w}`)
    : answer.words;
  return completion.formatCobraCompletion(words, answer.directive);
}

export default class CompleteCommand extends BaseCommand {
  static override hidden = true;
  static override strict = false;
  static override summary = 'Completion candidates for kubectl (cobra __complete protocol)';

  async run(): Promise<void> {
    // Not this.parse(): the words are another command's flags, which must not be parsed here.
    process.stdout.write(await completeForKubectl([...this.argv]));
  }
}
