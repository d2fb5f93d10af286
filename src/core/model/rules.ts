/** EventBridge rules of Gust's one event bus, and their targets. */

/** `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` behaves as ENABLED for Gust's events. */
export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** A rule as stored: AWS's fields in camelCase, plus the schedule's anchor. */
export interface RuleRecord {
  eventBusName: string;
  name: string;
  arn: string;
  state: RuleState;
  /** `rate(...)` or `cron(...)`, validated before it is stored. */
  scheduleExpression?: string;
  /** The pattern's JSON text exactly as given (DescribeRule returns it verbatim). */
  eventPattern?: string;
  description?: string;
  roleArn?: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /**
   * Epoch milliseconds from which a `rate()` schedule counts its periods: when the rule was
   * created, last enabled, or last given a new schedule expression.
   */
  scheduleAnchor: number;
}

/** A target of a rule: a Lambda function, with what it is sent. */
export interface TargetRecord {
  id: string;
  arn: string;
  /** JSON text sent instead of the event. */
  input?: string;
  /** A JSONPath selecting the part of the event that is sent. */
  inputPath?: string;
}
