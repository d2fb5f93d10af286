/**
 * Aliases: create, read (also through GetFunction), update with RevisionId, routing
 * weights (the valid shapes and each refused one), deletion, and the versions an
 * alias protects from deletion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { expectAwsError, ROLE } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const FN = 'aliased';
const ARN = `arn:aws:lambda:us-east-1:000000000000:function:${FN}`;

describe('aliases', () => {
  let t: TestGust;

  beforeAll(async () => {
    t = await startTestGust();
    await t.lambda.send(
      new CreateFunctionCommand({ FunctionName: FN, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await makeZip() } }),
    );
    for (const Timeout of [10, 20, 30]) {
      await t.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Timeout }));
      await t.lambda.send(new PublishVersionCommand({ FunctionName: FN }));
    }
  });
  afterAll(async () => {
    await t.stop();
  });

  it('creates an alias with weights and resolves it in GetFunction', async () => {
    const alias = await t.lambda.send(
      new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1', Description: 'prod', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } }),
    );
    expect(alias.$metadata.httpStatusCode).toBe(201);
    expect(alias).toMatchObject({
      AliasArn: `${ARN}:live`,
      Name: 'live',
      FunctionVersion: '1',
      Description: 'prod',
      RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } },
    });
    expect(await t.lambda.send(new GetAliasCommand({ FunctionName: ARN, Name: 'live' }))).toMatchObject({ RevisionId: alias.RevisionId });

    const viaAlias = await t.lambda.send(new GetFunctionCommand({ FunctionName: `${FN}:live` }));
    expect(viaAlias.Configuration).toMatchObject({ FunctionArn: `${ARN}:live`, Version: '1', Timeout: 10 });
    const config = await t.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: FN, Qualifier: 'live' }));
    expect(config.Version).toBe('1');

    const plain = await t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'latest', FunctionVersion: '$LATEST' }));
    expect(plain.RoutingConfig).toBeUndefined();
    expect(plain.Description).toBe('');
  });

  it.each([
    ['two extra versions', '1', { '2': 0.1, '3': 0.1 }, 'InvalidParameterValueException', 400, 'Number of items in AdditionalVersionWeights cannot be greater than 1'],
    ['a weight above 1', '1', { '2': 1.5 }, 'ValidationException', 400, /Member must have value less than or equal to 1.0/],
    ['a negative weight', '1', { '2': -0.1 }, 'ValidationException', 400, /greater than or equal to 0.0/],
    ['the primary version again', '1', { '1': 0.5 }, 'InvalidParameterValueException', 400, 'Invalid function version 1. Function version 1 is already included in routing configuration.'],
    ['$LATEST as the extra version', '1', { $LATEST: 0.5 }, 'ValidationException', 400, /Member must satisfy regular expression pattern: \[0-9\]\+/],
    ['$LATEST as the primary version', '$LATEST', { '1': 0.5 }, 'InvalidParameterValueException', 400, '$LATEST is not supported for an alias pointing to more than 1 version'],
    ['a version that does not exist', '1', { '9': 0.5 }, 'ResourceNotFoundException', 404, `Function not found: ${ARN}:9`],
  ])('refuses weights with %s', async (_case, FunctionVersion, AdditionalVersionWeights, name, status, message) => {
    await expectAwsError(
      t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'weighted', FunctionVersion, RoutingConfig: { AdditionalVersionWeights } })),
      name,
      status,
      message,
    );
    await expectAwsError(t.lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'weighted' })), 'ResourceNotFoundException', 404);
  });

  it('accepts the weight bounds 0 and 1', async () => {
    await t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'zero', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '3': 0 } } }));
    await t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'one', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: { '3': 1 } } }));
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'zero' }));
    await t.lambda.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'one' }));
  });

  it('refuses bad names, missing versions and duplicates', async () => {
    await expectAwsError(t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: '123', FunctionVersion: '1' })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'bad name', FunctionVersion: '1' })), 'ValidationException', 400);
    await expectAwsError(t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'x', FunctionVersion: '42' })), 'ResourceNotFoundException', 404, `Function not found: ${ARN}:42`);
    await expectAwsError(
      t.lambda.send(new CreateAliasCommand({ FunctionName: 'nope', Name: 'x', FunctionVersion: '1' })),
      'ResourceNotFoundException',
      404,
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    );
    await expectAwsError(t.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '2' })), 'ResourceConflictException', 409, `Alias already exists: ${ARN}:live`);
    await expectAwsError(t.lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'ghost' })), 'ResourceNotFoundException', 404, `Cannot find alias arn: ${ARN}:ghost`);
  });

  it('updates with RevisionId, moving the primary version and clearing weights', async () => {
    const current = await t.lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'live' }));
    await expectAwsError(t.lambda.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '2', RevisionId: 'stale' })), 'PreconditionFailedException', 412);
    // Moving the primary onto the weighted version is refused while the weight is kept.
    await expectAwsError(t.lambda.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '2' })), 'InvalidParameterValueException', 400);
    const moved = await t.lambda.send(
      new UpdateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '3', RevisionId: current.RevisionId, RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }),
    );
    expect(moved).toMatchObject({ FunctionVersion: '3', Description: 'prod', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } });
    expect(moved.RevisionId).not.toBe(current.RevisionId);
    const cleared = await t.lambda.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'live', RoutingConfig: { AdditionalVersionWeights: {} } }));
    expect(cleared.RoutingConfig).toBeUndefined();
    expect(cleared.FunctionVersion).toBe('3');
  });

  it('protects versions an alias points to, and deletes aliases', async () => {
    await t.lambda.send(new UpdateAliasCommand({ FunctionName: FN, Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 0.1 } } }));
    await expectAwsError(
      t.lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: '3' })),
      'ResourceConflictException',
      409,
      'Unable to delete version because the following aliases reference it: [live]',
    );
    await expectAwsError(t.lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: '1' })), 'ResourceConflictException', 409);
    const deleted = await t.lambda.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'live' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await t.lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: '3' }));
    await expectAwsError(t.lambda.send(new DeleteAliasCommand({ FunctionName: FN, Name: 'live' })), 'ResourceNotFoundException', 404);
    await expectAwsError(
      t.lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: 'latest' })),
      'InvalidParameterValueException',
      400,
      'Deletion of aliases is not supported.',
    );
  });
});
