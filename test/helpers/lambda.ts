/**
 * Driving Gust as a user does, through the real AWS SDK: creating functions and waiting
 * until they are Active, invoking with the payload and log tail decoded, and the AWS errors
 * calls fail with.
 */
import { expect } from 'vitest';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type CreateFunctionCommandInput,
  type InvokeCommandInput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { waitFor } from './wait.js';
import { makeZip, type ZipFiles } from './zips.js';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
export const ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:';

/** Waits until a function (or its last update) is done: State Active, LastUpdateStatus not InProgress. */
export async function waitActive(lambda: LambdaClient, name: string): Promise<void> {
  await waitFor(`${name} to be Active`, async () => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return c.State === 'Active' && c.LastUpdateStatus !== 'InProgress' ? true : undefined;
  });
}

export interface FunctionSpec extends Partial<Omit<CreateFunctionCommandInput, 'Code'>> {
  files: ZipFiles;
}

/** Creates a function (nodejs20.x, index.handler, by default) from `files` and waits until it is Active. */
export async function createFunction(lambda: LambdaClient, name: string, spec: FunctionSpec): Promise<void> {
  const { files, ...rest } = spec;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      ...rest,
      Code: { ZipFile: await makeZip(files) },
    }),
  );
  await waitActive(lambda, name);
}

export interface Invoked {
  status: number | undefined;
  /** The response body as text. */
  text: string;
  /** The response body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  functionError: string | undefined;
  executedVersion: string | undefined;
  /** The decoded X-Amz-Log-Result, when LogType was Tail. */
  log: string | undefined;
  requestId: string | undefined;
}

/** Invoke through the SDK; `payload` is JSON-encoded unless it is a string or a Buffer. */
export async function invoke(lambda: LambdaClient, name: string, payload: unknown = {}, extra: Partial<InvokeCommandInput> = {}): Promise<Invoked> {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: bytes, ...extra }));
  const text = Buffer.from(out.Payload ?? []).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: out.StatusCode,
    text,
    json,
    functionError: out.FunctionError,
    executedVersion: out.ExecutedVersion,
    log: out.LogResult === undefined ? undefined : Buffer.from(out.LogResult, 'base64').toString('utf8'),
    requestId: out.$metadata.requestId,
  };
}

/** The fields of an AWS error as the SDK raises it. */
export interface SdkError {
  name: string;
  message: string;
  Reason?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Runs `promise`, which must reject with the AWS error `name` and HTTP `status`; returns the error. */
export async function expectAwsError(promise: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<SdkError> {
  const err = await caught(promise);
  expect(err, `expected ${name}`).toBeDefined();
  expect({ name: err!.name, status: err!.$metadata?.httpStatusCode }).toEqual({ name, status });
  if (typeof message === 'string') expect(err!.message).toBe(message);
  else if (message) expect(err!.message).toMatch(message);
  return err!;
}

/** The error `promise` rejects with, or undefined when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<SdkError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return err as SdkError;
  }
}
