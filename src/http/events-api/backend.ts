/**
 * What the EventBridge API needs from the events subsystem, declared here by its consumer:
 * http/ may not import triggers/, so the composition root hands in triggers' EventRules,
 * EventBus and Scheduler, which satisfy these shapes structurally. Inside: camelCase;
 * AWS's names exist only in the operation modules that read requests and write answers.
 */
import type { RuleRecord, TargetRecord } from '../../core/model/rules.js';

export interface PutRuleRequest {
  name: string;
  eventBusName?: string;
  scheduleExpression?: string;
  eventPattern?: string;
  state?: string;
  description?: string;
  roleArn?: string;
}

export interface TargetRequest {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  /** AWS target fields present in the request that Gust cannot honour. */
  unsupported?: string[];
}

export interface FailedTarget {
  targetId: string;
  errorCode: string;
  errorMessage: string;
}

export interface EventEntryRequest {
  source?: string;
  detailType?: string;
  detail?: string;
  resources?: string[];
  timeMs?: number;
  eventBusName?: string;
}

export interface EventsBackend {
  rules: {
    putRule(input: PutRuleRequest): Promise<string>;
    describeRule(name: string, eventBusName?: string): Promise<RuleRecord>;
    listRules(input: { eventBusName?: string; namePrefix?: string; nextToken?: string; limit?: number }): Promise<{ rules: RuleRecord[]; nextToken?: string }>;
    listAllRules(): Promise<RuleRecord[]>;
    enableRule(name: string, eventBusName?: string): Promise<void>;
    disableRule(name: string, eventBusName?: string): Promise<void>;
    deleteRule(name: string, eventBusName?: string): Promise<void>;
    putTargets(ruleName: string, eventBusName: string | undefined, targets: TargetRequest[]): Promise<FailedTarget[]>;
    removeTargets(ruleName: string, eventBusName: string | undefined, ids: string[]): Promise<FailedTarget[]>;
    listTargetsByRule(ruleName: string, eventBusName?: string, nextToken?: string, limit?: number): Promise<{ targets: TargetRecord[]; nextToken?: string }>;
  };
  bus: {
    putEvents(entries: EventEntryRequest[]): { entries: ({ eventId: string } | { errorCode: string; errorMessage: string })[]; failedEntryCount: number };
    testEventPattern(eventPattern: string, event: string): boolean;
  };
  /** The Scheduler: when an enabled scheduled rule fires next, epoch ms. */
  schedules: {
    nextFiring(eventBusName: string, name: string): number | undefined;
  };
}

/** One operation: reads its request body, calls the backend, returns the answer body. */
export type Operation = (backend: EventsBackend, body: Record<string, unknown>) => Promise<Record<string, unknown>>;
