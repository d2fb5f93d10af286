/**
 * `gust queues`: every SQS queue with its depth (visible messages), in flight, delayed,
 * and its dead-letter queue, from the server's `/gust/queues` route.
 */
import type { Command } from 'commander';
import { fetchGust } from '../client.js';
import { table } from '../output.js';
import { runCommand } from '../run.js';

interface QueueReport {
  name: string;
  fifo: boolean;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetterQueue?: { name: string; maxReceiveCount: number };
}

function renderQueues(queues: QueueReport[]): string {
  if (queues.length === 0) return 'no queues';
  const rows = queues.map((q) => [
    q.name,
    q.fifo ? 'fifo' : 'standard',
    String(q.visible),
    String(q.inFlight),
    String(q.delayed),
    q.deadLetterQueue ? `${q.deadLetterQueue.name} (after ${q.deadLetterQueue.maxReceiveCount})` : '-',
  ]);
  return table(['QUEUE', 'TYPE', 'DEPTH', 'IN FLIGHT', 'DELAYED', 'DEAD-LETTER QUEUE'], rows);
}

export function registerQueues(program: Command): void {
  program
    .command('queues')
    .description('List SQS queues: depth, in flight, delayed and dead-letter queue')
    .action(async (_flags: unknown, cmd: Command) =>
      runCommand(cmd, async ({ target, json, print }) => {
        const { queues } = await fetchGust<{ queues: QueueReport[] }>(target, '/gust/queues');
        print(json ? JSON.stringify(queues, null, 2) : renderQueues(queues));
      }),
    );
}
