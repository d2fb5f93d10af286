/** `gust info <fn>`: one function's configuration, as GetFunction returns it. */
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { formatBytes, keyValues, toJson } from '../output.js';
import { runCommand } from '../run.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show a function (name, ARN, or name:qualifier)')
    .argument('<function>', 'function name or ARN')
    .action(async (fn: string, _flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        const out = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
        if (json) {
          print(toJson(out));
          return;
        }
        const c = out.Configuration ?? {};
        const env = Object.entries(c.Environment?.Variables ?? {}).map(([k, v]) => `${k}=${v}`);
        print(keyValues([
          ['Name', c.FunctionName],
          ['ARN', c.FunctionArn],
          ['Version', c.Version],
          ['Description', c.Description],
          ['Runtime', c.Runtime],
          ['Handler', c.Handler],
          ['Memory', c.MemorySize === undefined ? undefined : `${c.MemorySize} MB`],
          ['Timeout', c.Timeout === undefined ? undefined : `${c.Timeout} s`],
          ['Architectures', c.Architectures?.join(', ')],
          ['Role', c.Role],
          ['State', [c.State, c.StateReason].filter(Boolean).join(': ')],
          ['Last update', [c.LastUpdateStatus, c.LastUpdateStatusReason].filter(Boolean).join(': ')],
          ['Last modified', c.LastModified],
          ['Code size', formatBytes(c.CodeSize)],
          ['Code SHA-256', c.CodeSha256],
          ['Layers', c.Layers?.map((l) => l.Arn ?? '').join(', ')],
          ['Environment', env.join(' ')],
          ['Reserved concurrency', out.Concurrency?.ReservedConcurrentExecutions?.toString()],
          ['Tags', Object.entries(out.Tags ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')],
        ]));
      }),
    );
}
