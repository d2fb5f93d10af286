/**
 * Runs one CLI command against a server: builds the clients from the global flags,
 * turns any failure into the single `gust: …` line on stderr with a non-zero exit
 * code, and always releases the clients' sockets so that the process can exit.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { createClient, createEventsClient, resolveTarget, type Target } from './client.js';
import { describeError } from './output.js';

/** What a command gets to do its work. */
export interface CommandContext {
  lambda: LambdaClient;
  /** The EventBridge API on the same server (rules, targets, schedules). */
  events: EventBridgeClient;
  target: Target;
  /** `--json`: print machine-readable output instead of tables. */
  json: boolean;
  /** Writes a block of output to stdout, with a final newline. */
  print(text: string): void;
}

interface GlobalFlags {
  endpoint?: string;
  json?: boolean;
}

/** Wraps a command's action; `cmd` is the commander Command the action belongs to. */
export async function runCommand(cmd: Command, action: (ctx: CommandContext) => Promise<void>): Promise<void> {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  let target: Target | undefined;
  let lambda: LambdaClient | undefined;
  let events: EventBridgeClient | undefined;
  try {
    target = resolveTarget(flags.endpoint, process.env);
    lambda = createClient(target);
    events = createEventsClient(target);
    await action({ lambda, events, target, json: flags.json === true, print: (text) => process.stdout.write(`${text}\n`) });
  } catch (err) {
    process.stderr.write(`gust: ${describeError(err, target?.endpoint ?? '(no endpoint)')}\n`);
    process.exitCode = 1;
  } finally {
    lambda?.destroy();
    events?.destroy();
  }
}
