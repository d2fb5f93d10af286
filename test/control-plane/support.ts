/**
 * Shared pieces of the control-plane suites: in-memory zips made with yazl, a role
 * ARN, and an assertion on the AWS error an SDK call fails with.
 */
import { expect } from 'vitest';
import yazl from 'yazl';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

/** A zip holding the given files, built in memory. */
export function makeZip(files: Record<string, string> = { 'index.js': 'exports.handler = async (e) => e;\n' }): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name, { mtime: new Date(0) });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
}

/** Expects `promise` to reject with the AWS error `name` and HTTP `status`; returns the error. */
export async function expectAwsError(promise: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<SdkError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${name}`).toBeDefined();
  const err = caught as SdkError;
  expect({ name: err.name, status: err.$metadata?.httpStatusCode }).toEqual({ name, status });
  if (typeof message === 'string') expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  return err;
}
