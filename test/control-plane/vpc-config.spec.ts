/**
 * VpcConfig as Gust reads it: each subnet names a host network of the server's
 * (`--host-networks`); set and cleared through the SDK and the aws CLI, shown by
 * GetFunctionConfiguration, refused with EC2's "subnet does not exist" otherwise.
 */
import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliMissing, runAwsCli } from '../helpers/aws-cli.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, expectAwsError } from '../helpers/lambda.js';

describe('VpcConfig', () => {
  let t: TestGust;
  let cwd: string;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process', hostNetworks: 'db=127.0.0.1:5432,cache=127.0.0.1:6379' } });
    cwd = mkdtempSync(join(tmpdir(), 'gust-vpc-'));
    await createFunction(t.lambda, 'f', { files: { 'index.js': 'exports.handler = async () => 1;' } });
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  const config = () => t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'f' }));

  it('attaches a function to host networks, shows them, and detaches it with no subnets', async () => {
    expect((await config()).VpcConfig).toBeUndefined();
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', VpcConfig: { SubnetIds: ['db', 'cache'], SecurityGroupIds: ['sg-1'] } }));
    expect((await config()).VpcConfig).toEqual({ SubnetIds: ['db', 'cache'], SecurityGroupIds: ['sg-1'], VpcId: 'vpc-gust', Ipv6AllowedForDualStack: false });
    // Another update leaves it as it is.
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', Timeout: 9 }));
    expect((await config()).VpcConfig?.SubnetIds).toEqual(['db', 'cache']);
    await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', VpcConfig: { SubnetIds: [], SecurityGroupIds: [] } }));
    expect((await config()).VpcConfig).toBeUndefined();
  });

  it('refuses a subnet that names no network, and more subnets or groups than Lambda allows', async () => {
    await expectAwsError(t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', VpcConfig: { SubnetIds: ['db', 'subnet-0abc'] } })), 'InvalidParameterValueException', 400, /InvalidSubnetID.NotFound.*'subnet-0abc' does not exist.*db, cache/);
    const many = Array.from({ length: 17 }, () => 'db');
    await expectAwsError(t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', VpcConfig: { SubnetIds: many } })), 'ValidationException', 400, /vpcConfig.subnetIds.*less than or equal to 16/);
    expect((await config()).VpcConfig).toBeUndefined();
  });

  it.skipIf(awsCliMissing('VpcConfig through the aws CLI'))('is set with the aws CLI as on AWS', async () => {
    const set = await runAwsCli('lambda', ['update-function-configuration', '--function-name', 'f', '--vpc-config', 'SubnetIds=db,SecurityGroupIds=sg-9'], { endpoint: t.url, cwd });
    expect(set.code, set.stderr).toBe(0);
    expect(set.json.VpcConfig).toMatchObject({ SubnetIds: ['db'], SecurityGroupIds: ['sg-9'], VpcId: 'vpc-gust' });
    const bad = await runAwsCli('lambda', ['update-function-configuration', '--function-name', 'f', '--vpc-config', 'SubnetIds=nope,SecurityGroupIds='], { endpoint: t.url, cwd });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/InvalidParameterValueException.*InvalidSubnetID.NotFound/);
  });
});
