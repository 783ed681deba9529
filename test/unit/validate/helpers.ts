// Shared by the validate unit tests: fixtures, their configuration snapshots, and positions
// computed from the fixture text (so a test says "the value on the line with X", not a number).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FileSource } from '../../../src/cluster/index.js';
import { buildSnapshot, type ConfigSnapshot } from '../../../src/validate/config.js';
import { loadSnapshot } from '../../../src/validate/config-io.js';
import { validateFiles, type EngineResult } from '../../../src/validate/engine.js';
import { extractResources } from '../../../src/validate/resources.js';
import { resolveTarget, type TektonTarget } from '../../../src/validate/tekton/release.js';
import { parseYaml } from '../../../src/validate/yaml.js';

export const FIXTURES = 'test/fixtures/validate';
export const NAMES = { configMapName: 'config-artifact-storage', tektonNamespace: 'tekton-pipelines' };

/** `# config: NAME` in a fixture's first lines: a file in fixtures/validate/config, or "defaults". */
export function configOf(file: string): string {
  return /^# config: (\S+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? 'defaults';
}

/**
 * The Tekton target a fixture names: `# artifact-api: served` (the proposed artifact API is
 * served), `# tekton-version: v1.2.3`; else the data's release without the proposed API.
 */
export function targetOf(file: string, snapshot?: ConfigSnapshot): TektonTarget {
  const text = readFileSync(file, 'utf8');
  const served = /^# artifact-api: served/m.test(text);
  const version = /^# tekton-version: (\S+)/m.exec(text)?.[1];
  return resolveTarget({
    ...(version ? { flag: version } : {}),
    ...(snapshot?.tektonVersion ? { cluster: snapshot.tektonVersion } : {}),
    artifactApi: {
      served,
      source: served ? 'the fixture says it is served' : 'the fixture does not serve it',
    },
  });
}

export async function snapshotOf(
  config: string,
  namespaces: readonly string[] = [],
  defaultNamespace = 'default',
): Promise<ConfigSnapshot> {
  if (config === 'defaults')
    return buildSnapshot({ source: "Tekton's defaults", names: NAMES, defaultNamespace });
  const file = path.join(FIXTURES, 'config', `${config}.yaml`);
  const source = await FileSource.fromFile(file);
  return loadSnapshot(source, {
    describe: `snapshot ${file}`,
    names: NAMES,
    namespaces: [defaultNamespace, ...namespaces],
    defaultNamespace,
    isSnapshotFile: true,
  });
}

/** Validates fixture files (relative to fixtures/validate) against the first one's `# config:`. */
export async function validateFixtures(
  rel: string[],
  options: { config?: string; ignore?: Set<string> } = {},
): Promise<EngineResult> {
  const files = rel.map((r) => {
    const file = path.join(FIXTURES, r);
    return parseYaml(file, readFileSync(file, 'utf8'));
  });
  const namespaces = extractResources(files.flatMap((f) => f.documents))
    .resources.map((r) => r.namespace)
    .filter((n): n is string => n !== undefined);
  const config = options.config ?? configOf(path.join(FIXTURES, rel[0] ?? ''));
  const snapshot = await snapshotOf(config, namespaces);
  const target = targetOf(path.join(FIXTURES, rel[0] ?? ''), snapshot);
  return validateFiles(files, snapshot, { ...(options.ignore ? { ignore: options.ignore } : {}), target });
}

/**
 * The 1-based position of `token` on the (nth) line of a fixture containing `lineText`.
 * Throws when the fixture does not have it, so a changed fixture fails loudly.
 */
export function at(rel: string, lineText: string, token: string, nth = 0): { line: number; column: number } {
  const lines = readFileSync(path.join(FIXTURES, rel), 'utf8').split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (!l.includes(lineText)) continue;
    if (seen++ < nth) continue;
    const col = l.indexOf(token, l.indexOf(lineText));
    if (col < 0) throw new Error(`${rel}:${i + 1}: no "${token}" in "${l}"`);
    return { line: i + 1, column: col + 1 };
  }
  throw new Error(`${rel}: no line with "${lineText}" (#${nth + 1})`);
}
