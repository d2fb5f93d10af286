/**
 * The real AWS CLI v2 (Debian's awscli at /usr/bin/aws) pointed at a Gust, with dummy
 * credentials and none of the user's configuration, for the suites that prove Gust
 * works with it unchanged.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const AWS_CLI = '/usr/bin/aws';

/** Why the AWS CLI suites cannot run here, printed once per suite; undefined when they can. */
export function awsCliMissing(suite: string): string | undefined {
  if (existsSync(AWS_CLI)) return undefined;
  const reason = `${suite} skipped: ${AWS_CLI} is not installed (apt-get install awscli)`;
  console.log(reason);
  return reason;
}

export interface AwsCliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; {} when it is empty. */
  json: Record<string, unknown>;
}

/**
 * Runs `aws <service> <args…> --endpoint-url <endpoint> --output json` in `cwd` (also its
 * HOME, so nothing of the machine's user leaks in). Never rejects: the exit code says.
 */
export function runAwsCli(service: string, args: readonly string[], options: { endpoint: string; cwd: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): Promise<AwsCliRun> {
  const { endpoint, cwd } = options;
  return new Promise((done) => {
    execFile(
      AWS_CLI,
      [service, ...args, '--endpoint-url', endpoint, '--output', 'json'],
      {
        cwd,
        env: {
          PATH: '/usr/bin:/bin',
          HOME: cwd,
          AWS_ACCESS_KEY_ID: options.credentials?.accessKeyId ?? 'test',
          AWS_SECRET_ACCESS_KEY: options.credentials?.secretAccessKey ?? 'test',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
          AWS_CONFIG_FILE: join(cwd, 'no-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'no-credentials'),
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({
          code,
          stdout,
          stderr,
          // Parsed when asked: `aws lambda invoke` and failures print what is not JSON.
          get json() {
            return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
          },
        });
      },
    );
  });
}

/**
 * `aws lambda …` against the endpoint and in the directory `where()` gives at call time
 * (a suite's server starts after this is built), and `ok`, the same expecting a clean exit
 * and returning the JSON answer.
 */
export function awsLambda(where: () => { endpoint: string; cwd: string }): {
  aws(...args: string[]): Promise<AwsCliRun>;
  ok(...args: string[]): Promise<Record<string, unknown>>;
} {
  const aws = (...args: string[]) => runAwsCli('lambda', args, where());
  return {
    aws,
    async ok(...args) {
      const run = await aws(...args);
      expect(run.stderr, `aws lambda ${args.join(' ')}`).toBe('');
      expect(run.code).toBe(0);
      return run.json;
    },
  };
}
