/**
 * `gust deploy <dir|zip>`: creates the function, or updates its code and then the
 * configuration the flags name, waiting each time until Gust reports it settled.
 */
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  ResourceNotFoundException,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { loadPackage } from '../deploy-package.js';
import { collect, positiveInteger } from '../flags.js';
import { CliError, formatBytes, toJson } from '../output.js';
import { runCommand } from '../run.js';
import { waitForFunction } from '../wait.js';

const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/gust';
const DEFAULT_HANDLER = 'index.handler';

interface DeployFlags {
  name?: string;
  runtime?: string;
  handler?: string;
  memory?: number;
  timeout?: number;
  env: string[];
  role?: string;
  description?: string;
}

function parseEnv(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--env expects KEY=VALUE, got '${pair}'`);
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return vars;
}

/** The function's configuration, or undefined when there is no such function yet. */
async function current(lambda: LambdaClient, name: string): Promise<FunctionConfiguration | undefined> {
  try {
    return await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/** The configuration fields the flags set; on update only these change. */
function configFromFlags(flags: DeployFlags) {
  const variables = parseEnv(flags.env);
  return {
    ...(flags.runtime === undefined ? {} : { Runtime: flags.runtime as Runtime }),
    ...(flags.handler === undefined ? {} : { Handler: flags.handler }),
    ...(flags.memory === undefined ? {} : { MemorySize: flags.memory }),
    ...(flags.timeout === undefined ? {} : { Timeout: flags.timeout }),
    ...(flags.role === undefined ? {} : { Role: flags.role }),
    ...(flags.description === undefined ? {} : { Description: flags.description }),
    ...(variables === undefined ? {} : { Environment: { Variables: variables } }),
  };
}

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('Create or update a function from a folder (zipped in memory) or a zip file')
    .argument('<path>', 'a folder or a .zip file')
    .option('--name <name>', 'function name (default: the folder or zip name)')
    .option('--runtime <runtime>', 'runtime, e.g. nodejs20.x (default on create: guessed from the folder)')
    .option('--handler <handler>', `handler (default on create: ${DEFAULT_HANDLER})`)
    .option('--memory <mb>', 'memory size in MB', positiveInteger)
    .option('--timeout <seconds>', 'timeout in seconds', positiveInteger)
    .option('--env <KEY=VALUE>', 'environment variable, repeatable; replaces all variables on update', collect, [])
    .option('--role <arn>', `execution role (default on create: ${DEFAULT_ROLE})`)
    .option('--description <text>', 'function description')
    .action(async (path: string, flags: DeployFlags, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        const pkg = await loadPackage(path);
        const name = flags.name ?? pkg.defaultName;
        const config = configFromFlags(flags);
        let final: FunctionConfiguration;
        let action: 'created' | 'updated';
        const existing = await current(lambda, name);
        if (existing) {
          action = 'updated';
          // Lambda refuses an update while another is in progress; let that one finish.
          if (existing.State === 'Pending') await waitForFunction(lambda, name, 'active');
          if (existing.LastUpdateStatus === 'InProgress') await waitForFunction(lambda, name, 'updated');
          await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: pkg.zip }));
          final = await waitForFunction(lambda, name, 'updated');
          if (Object.keys(config).length > 0) {
            await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...config }));
            final = await waitForFunction(lambda, name, 'updated');
          }
        } else {
          action = 'created';
          const runtime = flags.runtime ?? pkg.guessedRuntime;
          if (runtime === undefined) throw new CliError(`--runtime is required to create ${name} (it cannot be guessed from ${path})`);
          await lambda.send(new CreateFunctionCommand({
            FunctionName: name,
            Role: DEFAULT_ROLE,
            Handler: DEFAULT_HANDLER,
            ...config,
            Runtime: runtime as Runtime,
            Code: { ZipFile: pkg.zip },
          }));
          final = await waitForFunction(lambda, name, 'active');
        }
        if (json) print(toJson({ Action: action, Configuration: final }));
        else print(`${action} ${name} (${final.Runtime ?? 'no runtime'}, ${formatBytes(final.CodeSize)}, sha256 ${final.CodeSha256 ?? '?'})\n${final.FunctionArn ?? ''}`);
      }),
    );
}
