/** `gust rm <fn>`: deletes a function, or one version of it with `name:version`. */
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { toJson } from '../output.js';
import { runCommand } from '../run.js';

export function registerRm(program: Command): void {
  program
    .command('rm')
    .description('Delete a function (or one published version with name:version)')
    .argument('<function>', 'function name or ARN')
    .action(async (fn: string, _flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
        print(json ? toJson({ FunctionName: fn, Deleted: true }) : `deleted ${fn}`);
      }),
    );
}
