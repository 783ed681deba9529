// Where the provisioned peer tools live (scripts/provision-test-env.sh puts them there).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function toolsDir() {
  const cache =
    process.env.TKN_TEST_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tkn-artifacts-test-env');
  return join(cache, 'bin');
}

export function tool(name) {
  const path = join(toolsDir(), name);
  if (!existsSync(path)) {
    throw new Error(`${name} is not provisioned at ${path}; run 'bash scripts/provision-test-env.sh' first`);
  }
  return path;
}

/** Median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
