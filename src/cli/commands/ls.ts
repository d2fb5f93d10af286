/** `gust ls`: every function's $LATEST configuration, one row each. */
import { paginateListFunctions, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { formatBytes, table, toJson } from '../output.js';
import { runCommand } from '../run.js';

export function registerLs(program: Command): void {
  program
    .command('ls')
    .description('List functions')
    .action(async (_flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        const functions: FunctionConfiguration[] = [];
        for await (const page of paginateListFunctions({ client: lambda }, {})) functions.push(...(page.Functions ?? []));
        if (json) {
          print(toJson({ Functions: functions }));
          return;
        }
        if (functions.length === 0) {
          print('no functions');
          return;
        }
        const rows = functions.map((f) => [
          f.FunctionName ?? '',
          f.Runtime ?? '',
          f.MemorySize === undefined ? '' : `${f.MemorySize} MB`,
          f.Timeout === undefined ? '' : `${f.Timeout} s`,
          formatBytes(f.CodeSize),
          f.LastModified ?? '',
        ]);
        print(table(['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'CODE', 'LAST MODIFIED'], rows));
      }),
    );
}
