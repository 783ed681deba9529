// The command list oclif loads (its "explicit" strategy): no directory scan at start-up.
import CompleteCommand from './__complete.js';
import Completion from './completion.js';
import Diff from './diff.js';
import Gc from './gc.js';
import Pull from './pull.js';
import Show from './show.js';
import Validate from './validate.js';

export const COMMANDS = {
  __complete: CompleteCommand,
  completion: Completion,
  diff: Diff,
  gc: Gc,
  pull: Pull,
  show: Show,
  validate: Validate,
};
