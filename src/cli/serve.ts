/** `gust serve`: runs the server in this process until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { ServiceException } from '../core/errors.js';
import { ConfigError, OPTIONS, loadConfig, shownDefault } from '../server/config.js';
import { startGust } from '../server/gust-server.js';
import { StateUnavailableError } from '../server/state/state-backend.js';

/**
 * Ends a start that failed: a configuration error as one line (exit 2); a state database
 * that does not answer, or stopped answering while the accounts opened (the catalog's
 * ServiceException, which says so), as one line (exit 1); anything else as thrown.
 */
function failStart(err: unknown): never {
  if (err instanceof ConfigError || err instanceof StateUnavailableError) {
    process.stderr.write(`gust serve: ${err.message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  if (err instanceof ServiceException) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    process.stderr.write(`gust serve: ${err.message}${cause}\n`);
    process.exit(1);
  }
  throw err;
}

export function registerServe(program: Command): void {
  const cmd = program.command('serve').description('Run the Gust server (Lambda API on one port, state in the data dir or PostgreSQL)');
  for (const spec of OPTIONS) {
    cmd.option(spec.isSwitch ? spec.flag : `${spec.flag} <value>`, `${spec.doc} (env ${spec.env}, default ${shownDefault(spec)})`);
  }
  cmd.action(async (flags: Record<string, string | undefined>) => {
    let config;
    try {
      config = loadConfig(flags, process.env);
    } catch (err) {
      failStart(err);
    }
    let gust;
    try {
      gust = await startGust(config);
    } catch (err) {
      failStart(err);
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      gust.logger.info({ signal }, 'shutting down');
      gust.close().then(
        () => process.exit(0),
        (err: unknown) => {
          gust.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // The server listens before it opens its stores (gust-server.ts); one that cannot open
    // them stops as it did before it listened, with the same message.
    try {
      await gust.started;
    } catch (err) {
      if (stopping) return;
      stopping = true;
      await gust.close().catch(() => undefined);
      failStart(err);
    }
    // In the background: a runtime that cannot start here is reported now, not at its first invoke.
    gust.probeRuntimes().catch((err: unknown) => gust.logger.warn({ err }, 'runtime probe failed'));
  });
}
