/** The `gust` command line. Every command but `serve` talks to a server over HTTP. */
import { Command } from 'commander';
import { registerServe } from './serve.js';

const program = new Command();
program.name('gust').description('Gust: a self-hosted serverless platform compatible with AWS Lambda');
registerServe(program);

await program.parseAsync(process.argv);
