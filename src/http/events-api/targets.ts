/**
 * The target operations of the EventBridge API: PutTargets, RemoveTargets,
 * ListTargetsByRule. Targets are Lambda functions; the rest of AWS's Target shape is
 * refused per entry (FailedEntries) rather than accepted and ignored.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html
 */
import type { TargetRecord } from '../../core/model/rules.js';
import type { FailedTargetEntry, TargetInput } from '../../control/events/validation.js';
import type { Operation } from './backend.js';
import { defined, optionalInteger, optionalString, requiredList, requiredString, stringItem, structure } from './fields.js';

/** Target members that change what or how Gust would deliver, and that it does not implement. */
const UNSUPPORTED_MEMBERS = [
  'InputTransformer',
  'KinesisParameters',
  'RunCommandParameters',
  'EcsParameters',
  'BatchParameters',
  'SqsParameters',
  'HttpParameters',
  'RedshiftDataParameters',
  'SageMakerPipelineParameters',
  'AppSyncParameters',
  'DeadLetterConfig',
  'RetryPolicy',
];

function readTarget(value: unknown): TargetInput {
  const t = structure(value, 'Targets');
  const unsupported = UNSUPPORTED_MEMBERS.filter((m) => t[m] !== undefined && t[m] !== null);
  return defined({
    id: requiredString(t, 'Id'),
    arn: requiredString(t, 'Arn'),
    input: optionalString(t, 'Input'),
    inputPath: optionalString(t, 'InputPath'),
    unsupported: unsupported.length > 0 ? unsupported : undefined,
  }) as unknown as TargetInput;
}

function renderTarget(t: TargetRecord): Record<string, unknown> {
  return defined({ Id: t.id, Arn: t.arn, Input: t.input, InputPath: t.inputPath });
}

function renderFailures(failed: FailedTargetEntry[]): Record<string, unknown> {
  return {
    FailedEntryCount: failed.length,
    FailedEntries: failed.map((f) => ({ TargetId: f.targetId, ErrorCode: f.errorCode, ErrorMessage: f.errorMessage })),
  };
}

const putTargets: Operation = async (backend, body) => {
  const rule = requiredString(body, 'Rule');
  const targets = requiredList(body, 'Targets', readTarget);
  return renderFailures(await backend.rules.putTargets(rule, optionalString(body, 'EventBusName'), targets));
};

const removeTargets: Operation = async (backend, body) => {
  const rule = requiredString(body, 'Rule');
  const ids = requiredList(body, 'Ids', stringItem('Ids'));
  return renderFailures(await backend.rules.removeTargets(rule, optionalString(body, 'EventBusName'), ids));
};

const listTargetsByRule: Operation = async (backend, body) => {
  const page = await backend.rules.listTargetsByRule(
    requiredString(body, 'Rule'),
    optionalString(body, 'EventBusName'),
    optionalString(body, 'NextToken'),
    optionalInteger(body, 'Limit'),
  );
  return defined({ Targets: page.targets.map(renderTarget), NextToken: page.nextToken });
};

export const TARGET_OPERATIONS: Record<string, Operation> = {
  PutTargets: putTargets,
  RemoveTargets: removeTargets,
  ListTargetsByRule: listTargetsByRule,
};
