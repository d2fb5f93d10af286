/** `gust serve`: runs the server in this process until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { ServiceException } from '../core/errors.js';
import { ConfigError, OPTIONS, loadConfig, shownDefault } from '../server/config.js';
import { FirstListener } from '../server/first-listener.js';
import { isLoopback } from '../server/loopback.js';
import type { RunningGust } from '../server/gust-server.js';
import { StateUnavailableError } from '../server/state/state-backend.js';

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the port is in use (another gust serve?); choose another with --port',
  EACCES: 'this user may not bind that port',
  EADDRNOTAVAIL: 'that address is not one of this machine',
};

/**
 * Ends a start that failed: a configuration error as one line (exit 2); a state database
 * that does not answer, or stopped answering while the accounts opened (the catalog's
 * ServiceException, which says so), as one line (exit 1); a port it cannot listen on as
 * one line (exit 1); anything else as thrown.
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
  const listen = err instanceof Error ? (err as NodeJS.ErrnoException & { address?: string; port?: number }) : undefined;
  const why = listen?.syscall === 'listen' ? LISTEN_ERRORS[listen.code ?? ''] : undefined;
  if (listen && why) {
    process.stderr.write(`gust serve: cannot listen on ${listen.address}:${listen.port}: ${why}\n`);
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
    // A signal may come as soon as /health answers, before the server is built: the stop
    // then waits for the build (which a failure ends anyway), and closes what it made.
    let running: RunningGust;
    let building: Promise<RunningGust> | undefined;
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        // A second signal: the invocations in flight are not waited for; the environments still stop cleanly.
        if (running) {
          running.logger.warn({ signal }, 'shutting down now: invocations in flight end with the environments');
          running.hurry();
        }
        return;
      }
      stopping = true;
      if (!building) process.exit(0);
      building.then(
        (server) => {
          server.logger.info({ signal }, 'shutting down');
          server.close().then(
            () => process.exit(0),
            (err: unknown) => {
              server.logger.error({ err }, 'shutdown failed');
              process.exit(1);
            },
          );
        },
        // A start that failed ends the process itself (failStart).
        () => undefined,
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    try {
      // The port first, then the server's modules (a chunk of their own: see
      // first-listener.ts); a non-loopback bind checks its keys before it opens a port.
      const listener = isLoopback(config.host) ? await FirstListener.open(config.host, config.port) : undefined;
      building = import('../server/gust-server.js').then(({ startGust }) => startGust(config, undefined, listener ? { listener } : {}));
      running = await building;
    } catch (err) {
      failStart(err);
    }
    // The server listens before it opens its stores (gust-server.ts); one that cannot open
    // them stops as it did before it listened, with the same message.
    try {
      await running.started;
    } catch (err) {
      if (stopping) return;
      stopping = true;
      await running.close().catch(() => undefined);
      failStart(err);
    }
    // In the background: a runtime that cannot start here is reported now, not at its first invoke.
    running.probeRuntimes().catch((err: unknown) => running.logger.warn({ err }, 'runtime probe failed'));
  });
}
