// The real CLI as the integration tests run it: bin/tkn-artifacts (over the bundle in dist/), or
// whatever TKN_ARTIFACTS_CLI names, such as a standalone executable from `npm run release`:
//   TKN_ARTIFACTS_CLI=$PWD/dist/release/tkn-artifacts-linux-amd64 npx vitest run --project integration
// (docs/install.md, "Testing a build").
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const repoRoot = resolve(import.meta.dirname, '..', '..');
/** `npm run example`: show the shipped example run, offline (examples/run.yaml and its layout). */
export const exampleShow = [
  'show',
  'build-app-x7k2',
  '--from-file',
  join(repoRoot, 'examples', 'run.yaml'),
  '--oci-layout',
  join(repoRoot, 'examples', 'layout'),
];
export const cliPath = process.env['TKN_ARTIFACTS_CLI'] ?? join(repoRoot, 'bin', 'tkn-artifacts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end, without colour; a failing exit is a result, not an exception. */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string; inherit?: boolean } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(options.bin ?? cliPath, args, {
      // inherit: false runs with options.env alone (no PATH, HOME … but what it names).
      env: { ...(options.inherit === false ? {} : process.env), NO_COLOR: '1', ...options.env },
      maxBuffer: 64 * 1024 * 1024,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
