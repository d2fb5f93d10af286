/**
 * `gust info <fn>`: one function's configuration, as GetFunction returns it, and the
 * event source mappings that invoke it (ListEventSourceMappings) with their pollers.
 */
import { GetFunctionCommand, ListEventSourceMappingsCommand, type EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { formatBytes, keyValues, table, toJson } from '../output.js';
import { runCommand } from '../run.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('Show a function (name, ARN, or name:qualifier)')
    .argument('<function>', 'function name or ARN')
    .action(async (fn: string, _flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ lambda, target, json, print }) => {
        const out = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
        const mappings: EventSourceMappingConfiguration[] = [];
        let marker: string | undefined;
        do {
          const page = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: out.Configuration?.FunctionName ?? fn, Marker: marker }));
          mappings.push(...(page.EventSourceMappings ?? []));
          marker = page.NextMarker;
        } while (marker);
        if (json) {
          print(toJson({ ...out, EventSourceMappings: mappings }));
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
        if (mappings.length > 0) print(`\nevent source mappings\n${renderMappings(mappings, await fetchGust<{ mappings: PollerView[] }>(target, '/gust/mappings'))}`);
      }),
    );
}

interface PollerView {
  uuid: string;
  pollers: number;
}

/** One row per mapping: its source, state, batching, last result and pollers now. */
function renderMappings(mappings: EventSourceMappingConfiguration[], report: { mappings: PollerView[] }): string {
  const pollers = new Map(report.mappings.map((m) => [m.uuid, m.pollers]));
  const rows = mappings.map((m) => [
    m.UUID ?? '',
    (m.EventSourceArn ?? '').split(':').pop() ?? '',
    m.FunctionArn?.split(':').length === 8 ? m.FunctionArn.split(':')[7]! : '-',
    m.State ?? '',
    `${m.BatchSize ?? ''}${m.MaximumBatchingWindowInSeconds ? ` / ${m.MaximumBatchingWindowInSeconds} s` : ''}`,
    String(pollers.get(m.UUID ?? '') ?? 0),
    m.LastProcessingResult ?? '',
  ]);
  return table(['UUID', 'QUEUE', 'QUALIFIER', 'STATE', 'BATCH / WINDOW', 'POLLERS', 'LAST RESULT'], rows);
}
