/**
 * `gust runtimes`: the Node.js and Python runtime identifiers on this machine, each with its
 * interpreter, version and whether it is installed; `gust runtimes install [id…]` installs
 * them (all obtainable ones when none is named) into the runtimes directory a server with
 * the same options uses. Works without a server: installing is a matter of this machine.
 */
import type { Command } from 'commander';
import { isSupportedRuntime, type Runtime } from '../core/limits.js';
import { loadConfig, OPTIONS } from '../server/config.js';
import { diskUse, LANGUAGE_RUNTIMES, openRuntimes, type RuntimeStatus } from '../server/runtimes-admin.js';
import { CliError, formatBytes, table } from './output.js';

const OWN_OPTIONS = ['--data-dir', '--runtimes-dir', '--npm-registry', '--debian-mirror', '--sandbox'];

export function registerRuntimes(program: Command): void {
  const cmd = program.command('runtimes').description('List the Node.js and Python runtimes on this machine: interpreter, version, installed or not');
  addOptions(cmd);
  cmd.action(async (_flags: unknown, self: Command) => {
    await run(self, async (provider, json) => {
      const statuses = LANGUAGE_RUNTIMES.map((r) => provider.status(r));
      if (json) return void process.stdout.write(`${JSON.stringify({ RuntimesDir: provider.store.dir, Runtimes: statuses }, null, 2)}\n`);
      const rows = statuses.map((s) => [s.runtime, STATE_WORDS[s.state], s.version ?? '', s.interpreter ?? '', s.note ?? '']);
      process.stdout.write(`${table(['RUNTIME', 'STATE', 'VERSION', 'INTERPRETER', 'NOTE'], rows)}\nruntimes directory: ${provider.store.dir}\n`);
    });
  });

  const install = cmd.command('install').argument('[runtime...]', 'identifiers to install (default: every one this machine can obtain)').description('Install runtime interpreters and their AWS SDKs');
  addOptions(install);
  install.action(async (ids: string[], _flags: unknown, self: Command) => {
    await run(self, async (provider, json) => {
      for (const id of ids) if (!isSupportedRuntime(id) || !LANGUAGE_RUNTIMES.includes(id)) throw new CliError(`${id} is not a Node.js or Python runtime identifier (${LANGUAGE_RUNTIMES.join(', ')})`);
      const wanted = (ids.length > 0 ? ids : LANGUAGE_RUNTIMES.filter((r) => provider.status(r).state !== 'unavailable')) as Runtime[];
      const results: (RuntimeStatus & { seconds: number; interpreterBytes: number; sdkBytes: number })[] = [];
      for (const runtime of wanted) {
        const started = performance.now();
        await provider.install(runtime);
        const status = provider.status(runtime);
        const result = { ...status, seconds: (performance.now() - started) / 1000, ...diskUse(status) };
        results.push(result);
        if (!json) {
          const disk = status.state === 'host' ? 'the host\'s interpreter' : formatBytes(result.interpreterBytes);
          process.stdout.write(`${runtime}: ${status.version ?? ''} ready in ${result.seconds.toFixed(1)} s (${disk}, SDK ${formatBytes(result.sdkBytes)})\n`);
        }
      }
      if (json) process.stdout.write(`${JSON.stringify({ RuntimesDir: provider.store.dir, Installed: results }, null, 2)}\n`);
    });
  });
}

const STATE_WORDS: Record<RuntimeStatus['state'], string> = { host: 'installed (host)', installed: 'installed', missing: 'not installed', unavailable: 'unavailable' };

function addOptions(cmd: Command): void {
  for (const spec of OPTIONS.filter((o) => OWN_OPTIONS.includes(o.flag))) {
    cmd.option(`${spec.flag} <value>`, `${spec.doc} (env ${spec.env}, default ${JSON.stringify(spec.default)})`);
  }
}

/** Runs `action` with the provider the options name; commander gives an option to `runtimes` or `install`, wherever it was written. */
async function run(cmd: Command, action: (provider: ReturnType<typeof openRuntimes>, json: boolean) => Promise<void>): Promise<void> {
  try {
    const flags = cmd.optsWithGlobals<Record<string, string | boolean | undefined>>();
    const config = loadConfig(Object.fromEntries(Object.entries(flags).filter((e): e is [string, string] => typeof e[1] === 'string')), process.env);
    await action(openRuntimes(config), flags.json === true);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`gust: ${message}\n`);
    process.exitCode = 1;
  }
}
