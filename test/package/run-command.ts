import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const pexec = promisify(execFile);

/** This process's environment less what `npm test` sets for its own script (children must not inherit it). */
export const childEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(lifecycle|package)_/.test(key)));

/** Runs a command to completion; resolves with its stdout, or throws with its exit code, stdout and stderr. */
export async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv): Promise<string> {
  try {
    const { stdout } = await pexec(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} exited with ${e.code}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}
