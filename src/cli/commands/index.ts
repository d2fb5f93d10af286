/** Every command that talks to a server, registered together so that `gust serve` can skip loading them. */
import type { Command } from 'commander';
import { registerDeploy } from './deploy.js';
import { registerEvents } from './events.js';
import { registerInfo } from './info.js';
import { registerInvoke } from './invoke.js';
import { registerLogs } from './logs.js';
import { registerLs } from './ls.js';
import { registerNodes } from './nodes.js';
import { registerPublish } from './publish.js';
import { registerQueues } from './queues.js';
import { registerBuckets } from './buckets.js';
import { registerRm } from './rm.js';
import { registerSchedule } from './schedule.js';
import { registerSchedules } from './schedules.js';
import { registerTop } from './top.js';
import { registerUrl } from './url.js';

export function registerClientCommands(program: Command): void {
  registerDeploy(program);
  registerLs(program);
  registerInfo(program);
  registerRm(program);
  registerPublish(program);
  registerInvoke(program);
  registerLogs(program);
  registerEvents(program);
  registerUrl(program);
  registerSchedule(program);
  registerSchedules(program);
  registerQueues(program);
  registerBuckets(program);
  registerTop(program);
  registerNodes(program);
}
