// The command list oclif loads (its "explicit" strategy): no directory scan at start-up.
import Show from './show.js';

export const COMMANDS = {
  show: Show,
};
