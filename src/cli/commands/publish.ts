/** `gust publish <fn>`: publishes $LATEST as a new immutable version. */
import { PublishVersionCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { toJson } from '../output.js';
import { runCommand } from '../run.js';

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('Publish a version of a function from its current code and configuration')
    .argument('<function>', 'function name or ARN')
    .option('--description <text>', 'version description')
    .action(async (fn: string, flags: { description?: string }, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        const out = await lambda.send(new PublishVersionCommand({
          FunctionName: fn,
          ...(flags.description === undefined ? {} : { Description: flags.description }),
        }));
        print(json ? toJson(out) : `published ${out.FunctionName ?? fn} version ${out.Version ?? '?'}\n${out.FunctionArn ?? ''}`);
      }),
    );
}
