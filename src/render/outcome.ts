import type { Outcome } from '../tree/model.js';

/**
 * Why content is not marked usable, in words that claim only what is known: a failed or
 * cancelled task, one still running, or an outcome nobody knows (registry-only views, content
 * no TaskRun reported).
 */
export function unusableBecause(outcome: Outcome | undefined): string {
  switch (outcome) {
    case 'Failed':
      return 'task failed';
    case 'Cancelled':
      return 'task cancelled';
    case 'Running':
      return 'task still running';
    case 'Succeeded':
      return 'task succeeded';
    default:
      return 'task outcome unknown';
  }
}
