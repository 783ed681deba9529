/**
 * Regenerates examples/: an OCI image layout written by the oras CLI and the matching
 * `kubectl get pipelinerun,taskrun,configmap -o yaml` export. Run: npx tsx scripts/make-example.ts
 * (needs the oras CLI that scripts/provision-test-env.sh installs).
 */
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pushScenario, writeRunExport } from '../test/support/scenario.js';

const root = resolve(import.meta.dirname, '..');
const cache =
  process.env['TKN_TEST_CACHE'] ??
  join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tkn-artifacts-test-env');
const oras = join(cache, 'bin', 'oras');
const layout = join(root, 'examples', 'layout');

await rm(layout, { recursive: true, force: true });
const scenario = await pushScenario({
  oras,
  destination: { kind: 'layout', dir: layout },
  registry: 'registry.example.com',
});
// oras leaves its (empty) upload staging directory behind; it is not part of the layout.
await rm(join(layout, 'ingest'), { recursive: true, force: true });
await writeRunExport(scenario, join(root, 'examples', 'run.yaml'));
console.log(
  `examples/ written: PipelineRun ${scenario.namespace}/${scenario.pipelineRun}, root ${scenario.digests.root}`,
);
