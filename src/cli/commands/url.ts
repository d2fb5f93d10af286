/**
 * `gust url <fn>`: the function's URL, created on first use. With `--auth-type` or CORS
 * flags an existing URL is updated (CORS fields not named keep their values); `--remove`
 * deletes it. Prints the URL alone, so that `curl "$(gust url fn)"` works. A URL that ends
 * up `AuthType NONE` gets the public statement AWS requires of it (`FunctionURLAllowPublicAccess`,
 * as the AWS console adds it): without it the URL answers 403.
 */
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionUrlConfigCommand,
  type Cors,
  type FunctionUrlAuthType,
  type GetFunctionUrlConfigCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { InvalidArgumentError, type Command } from 'commander';
import { collect, nonNegativeInteger } from '../flags.js';
import { toJson } from '../output.js';
import { runCommand } from '../run.js';

interface UrlFlags {
  qualifier?: string;
  authType?: FunctionUrlAuthType;
  corsOrigin: string[];
  corsMethod: string[];
  corsHeader: string[];
  corsExposeHeader: string[];
  corsMaxAge?: number;
  corsCredentials?: boolean;
  remove?: boolean;
}

function authType(raw: string): FunctionUrlAuthType {
  if (raw !== 'NONE' && raw !== 'AWS_IAM') throw new InvalidArgumentError('expected NONE or AWS_IAM.');
  return raw;
}

/** The CORS fields the flags name; undefined when they name none. */
function corsFromFlags(flags: UrlFlags): Cors | undefined {
  const cors: Cors = {
    ...(flags.corsOrigin.length ? { AllowOrigins: flags.corsOrigin } : {}),
    ...(flags.corsMethod.length ? { AllowMethods: flags.corsMethod } : {}),
    ...(flags.corsHeader.length ? { AllowHeaders: flags.corsHeader } : {}),
    ...(flags.corsExposeHeader.length ? { ExposeHeaders: flags.corsExposeHeader } : {}),
    ...(flags.corsMaxAge === undefined ? {} : { MaxAge: flags.corsMaxAge }),
    ...(flags.corsCredentials ? { AllowCredentials: true } : {}),
  };
  return Object.keys(cors).length > 0 ? cors : undefined;
}

async function existing(lambda: LambdaClient, fn: string, qualifier: string | undefined): Promise<GetFunctionUrlConfigCommandOutput | undefined> {
  try {
    return await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: fn, Qualifier: qualifier }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/** The statement id AWS's console gives the public statement of a NONE URL. */
export const PUBLIC_URL_STATEMENT_ID = 'FunctionURLAllowPublicAccess';

/**
 * Adds the statement that makes a NONE URL public, unless the function or alias already
 * has one under that id (a second `gust url`, or a user who added it first).
 */
async function allowPublicAccess(lambda: LambdaClient, fn: string, qualifier: string | undefined): Promise<void> {
  try {
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: fn,
        Qualifier: qualifier,
        StatementId: PUBLIC_URL_STATEMENT_ID,
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceConflictException)) throw err;
  }
}

export function registerUrl(program: Command): void {
  program
    .command('url')
    .description("Print a function's URL, creating it (or updating it with the flags given) as needed")
    .argument('<function>', 'function name or ARN')
    .option('--qualifier <alias>', 'the URL of an alias instead of the function')
    .option('--auth-type <type>', 'NONE (default on create) or AWS_IAM', authType)
    .option('--cors-origin <origin>', 'allowed origin, repeatable (* for any)', collect, [])
    .option('--cors-method <method>', 'allowed method, repeatable', collect, [])
    .option('--cors-header <header>', 'allowed request header, repeatable', collect, [])
    .option('--cors-expose-header <header>', 'response header browsers may read, repeatable', collect, [])
    .option('--cors-max-age <seconds>', 'how long browsers may cache a preflight', nonNegativeInteger)
    .option('--cors-credentials', 'allow cookies and credentials')
    .option('--remove', 'delete the URL instead')
    .action(async (fn: string, flags: UrlFlags, cmd: Command) =>
      runCommand(cmd, async ({ lambda, json, print }) => {
        const qualifier = flags.qualifier;
        if (flags.remove) {
          await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: fn, Qualifier: qualifier }));
          print(json ? toJson({ FunctionName: fn, Qualifier: qualifier, Deleted: true }) : `removed the URL of ${fn}${qualifier ? `:${qualifier}` : ''}`);
          return;
        }
        const cors = corsFromFlags(flags);
        const current = await existing(lambda, fn, qualifier);
        let config: { FunctionUrl?: string | undefined; AuthType?: FunctionUrlAuthType | undefined };
        if (!current) {
          config = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: fn, Qualifier: qualifier, AuthType: flags.authType ?? 'NONE', Cors: cors }));
        } else if (flags.authType !== undefined || cors !== undefined) {
          config = await lambda.send(
            new UpdateFunctionUrlConfigCommand({
              FunctionName: fn,
              Qualifier: qualifier,
              AuthType: flags.authType,
              // Lambda replaces the whole Cors object: keep the fields the flags leave alone.
              Cors: cors === undefined ? undefined : { ...current.Cors, ...cors },
            }),
          );
        } else {
          config = current;
        }
        if (config.AuthType === 'NONE') await allowPublicAccess(lambda, fn, qualifier);
        print(json ? toJson(config) : config.FunctionUrl ?? '');
      }),
    );
}
