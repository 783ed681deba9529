// The command list oclif loads (its "explicit" strategy): no directory scan at start-up.
import Completion from './completion.js';
import Pull from './pull.js';
import Show from './show.js';
import Validate from './validate.js';

export const COMMANDS = {
  completion: Completion,
  pull: Pull,
  show: Show,
  validate: Validate,
};
