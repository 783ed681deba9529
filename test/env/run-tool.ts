// Running the real CLI tools (oras, regctl, ...) from tests and from global setup.
// No vitest imports: global-setup.ts uses it in vitest's main process.
import { execFile } from 'node:child_process';
import path from 'node:path';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

/** Runs a binary; resolves with stdout, rejects with the command line, exit code and stderr. */
export function runTool(bin: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
          reject(
            new Error(
              `${path.basename(bin)} ${args.join(' ')} failed (exit ${String(code)}):\n${stderr || err.message}`,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}
