/**
 * The rule operations of the EventBridge API: PutRule, DescribeRule, ListRules,
 * EnableRule, DisableRule, DeleteRule.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html
 */
import type { RuleRecord } from '../../core/model/rules.js';
import type { Operation } from './backend.js';
import { defined, optionalInteger, optionalString, requiredString } from './fields.js';

/** A rule in AWS's `Rule` shape (ListRules) or, with `CreatedBy`, DescribeRule's answer. */
export function renderRule(rule: RuleRecord, withCreatedBy = false): Record<string, unknown> {
  return defined({
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    ScheduleExpression: rule.scheduleExpression,
    State: rule.state,
    Description: rule.description,
    RoleArn: rule.roleArn,
    EventBusName: rule.eventBusName,
    // The account in the rule's ARN: arn:aws:events:<region>:<account>:rule/<name>.
    CreatedBy: withCreatedBy ? rule.arn.split(':')[4] : undefined,
  });
}

const putRule: Operation = async (backend, body) => {
  const ruleArn = await backend.rules.putRule(
    defined({
      name: requiredString(body, 'Name'),
      eventBusName: optionalString(body, 'EventBusName'),
      scheduleExpression: optionalString(body, 'ScheduleExpression'),
      eventPattern: optionalString(body, 'EventPattern'),
      state: optionalString(body, 'State'),
      description: optionalString(body, 'Description'),
      roleArn: optionalString(body, 'RoleArn'),
    }) as { name: string },
  );
  return { RuleArn: ruleArn };
};

const describeRule: Operation = async (backend, body) =>
  renderRule(await backend.rules.describeRule(requiredString(body, 'Name'), optionalString(body, 'EventBusName')), true);

const listRules: Operation = async (backend, body) => {
  const page = await backend.rules.listRules(
    defined({
      eventBusName: optionalString(body, 'EventBusName'),
      namePrefix: optionalString(body, 'NamePrefix'),
      nextToken: optionalString(body, 'NextToken'),
      limit: optionalInteger(body, 'Limit'),
    }),
  );
  return defined({ Rules: page.rules.map((r) => renderRule(r)), NextToken: page.nextToken });
};

const enableRule: Operation = async (backend, body) => {
  await backend.rules.enableRule(requiredString(body, 'Name'), optionalString(body, 'EventBusName'));
  return {};
};

const disableRule: Operation = async (backend, body) => {
  await backend.rules.disableRule(requiredString(body, 'Name'), optionalString(body, 'EventBusName'));
  return {};
};

const deleteRule: Operation = async (backend, body) => {
  await backend.rules.deleteRule(requiredString(body, 'Name'), optionalString(body, 'EventBusName'));
  return {};
};

export const RULE_OPERATIONS: Record<string, Operation> = {
  PutRule: putRule,
  DescribeRule: describeRule,
  ListRules: listRules,
  EnableRule: enableRule,
  DisableRule: disableRule,
  DeleteRule: deleteRule,
};
