/** The `gust` command line. Every command but `serve` and `runtimes` talks to a server over HTTP. */
import { Command } from 'commander';
import { DEFAULT_ENDPOINT } from './defaults.js';
import { registerAdmin } from './admin.js';
import { registerRuntimes } from './runtimes.js';
import { registerServe } from './serve.js';

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
registerRuntimes(program);
registerAdmin(program);
// The client commands load the AWS SDK (a third of a second); the server needs none of it.
// Anything but a plain `gust serve …` (help included) registers them all.
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (!['serve', 'accounts', 'keys', 'audit'].includes(command ?? '')) (await import('./commands/index.js')).registerClientCommands(program);

await program.parseAsync(process.argv);
