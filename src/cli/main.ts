/** The `gust` command line. Every command but `serve` talks to a server over HTTP. */
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { DEFAULT_ENDPOINT } from './client.js';
import { registerDeploy } from './commands/deploy.js';
import { registerLs } from './commands/ls.js';
import { registerInfo } from './commands/info.js';
import { registerRm } from './commands/rm.js';
import { registerPublish } from './commands/publish.js';
import { registerInvoke } from './commands/invoke.js';
import { registerLogs } from './commands/logs.js';
import { registerEvents } from './commands/events.js';
import { registerUrl } from './commands/url.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSchedules } from './commands/schedules.js';

// The SDK warns on stderr that its 2027 releases will need Node 22. A failure must be one
// line and a success none, so the CLI, which supports Node 20, turns that notice off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const program = new Command();
program
  .name('gust')
  .description('Gust: a self-hosted serverless platform compatible with AWS Lambda')
  .option('--endpoint <url>', `Gust server to talk to (env GUST_ENDPOINT, default ${DEFAULT_ENDPOINT})`)
  .option('--json', 'print JSON for scripts instead of tables')
  // Usage errors become the same single `gust: …` line as every other failure.
  .configureOutput({ outputError: (text, write) => write(`gust: ${text.replace(/^error: /, '')}`) });
registerServe(program);
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

await program.parseAsync(process.argv);
