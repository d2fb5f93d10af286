/** `gust invoke <fn>`: a synchronous (or, with --event, asynchronous) invoke through the SDK. */
import { readFileSync } from 'node:fs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { CliError, toJson } from '../output.js';
import { runCommand } from '../run.js';

interface InvokeFlags {
  payload?: string;
  payloadFile?: string;
  qualifier?: string;
  log?: boolean;
  event?: boolean;
}

function payloadOf(flags: InvokeFlags): Uint8Array {
  if (flags.payload !== undefined && flags.payloadFile !== undefined) throw new CliError('give --payload or --payload-file, not both');
  if (flags.payloadFile !== undefined) {
    try {
      return readFileSync(flags.payloadFile);
    } catch (err) {
      throw new CliError(`cannot read ${flags.payloadFile}: ${(err as Error).message}`);
    }
  }
  return Buffer.from(flags.payload ?? '{}');
}

/** The response as text, pretty-printed when it is JSON. */
function show(bytes: Uint8Array | undefined): string {
  const text = Buffer.from(bytes ?? []).toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function registerInvoke(program: Command): void {
  program
    .command('invoke')
    .description('Invoke a function and print its result')
    .argument('<function>', 'function name, ARN, or name:qualifier')
    .option('--payload <json>', 'the event, as JSON (default {})')
    .option('--payload-file <file>', 'read the event from a file')
    .option('--qualifier <q>', 'version or alias')
    .option('--log', 'print the tail of the invocation log to stderr')
    .option('--event', 'invoke asynchronously (InvocationType Event)')
    .action(async (fn: string, flags: InvokeFlags, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        const out = await lambda.send(
          new InvokeCommand({
            FunctionName: fn,
            Payload: payloadOf(flags),
            ...(flags.qualifier === undefined ? {} : { Qualifier: flags.qualifier }),
            InvocationType: flags.event ? 'Event' : 'RequestResponse',
            LogType: flags.log ? 'Tail' : 'None',
          }),
        );
        if (json) {
          print(toJson({ ...out, Payload: Buffer.from(out.Payload ?? []).toString('utf8') }));
        } else if (flags.event) {
          print(`accepted (${out.StatusCode})`);
        } else {
          print(show(out.Payload));
        }
        if (flags.log && out.LogResult) process.stderr.write(`${Buffer.from(out.LogResult, 'base64').toString('utf8').replace(/\n?$/, '\n')}`);
        if (out.FunctionError) throw new CliError(`function error (${out.FunctionError})${out.ExecutedVersion ? ` in version ${out.ExecutedVersion}` : ''}`);
      }),
    );
}
