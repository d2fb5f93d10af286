/**
 * EventBridge rules and their targets: PutRule, DescribeRule, ListRules, EnableRule,
 * DisableRule, DeleteRule, PutTargets, RemoveTargets and ListTargetsByRule, over the
 * RuleStore. Keeps the enabled pattern rules compiled in memory for PutEvents, and tells
 * listeners (the scheduler) about every change.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Operations.html
 */
import type { Logger } from 'pino';
import type { Partition } from '../../core/arn.js';
import type { Clock } from '../../core/clock.js';
import { validationError, ValidationException } from '../../core/errors.js';
import { KeyedMutex } from '../../core/primitives.js';
import type { RuleRecord, TargetRecord } from '../../core/model/rules.js';
import type { RuleStore } from '../../store/rule-store.js';
import { parseScheduleExpression } from './schedule-expression.js';
import { LimitExceededException } from './errors.js';
import { compilePattern, type EventPattern } from './pattern.js';
import {
  checkMaxLength,
  checkName,
  checkState,
  DEFAULT_BUS,
  MAX_TARGETS_PER_RULE,
  page,
  resolveBus,
  ruleArn,
  ruleNotFound,
  targetProblem,
  targetRecord,
  type FailedTargetEntry,
  type TargetInput,
} from './validation.js';

export interface PutRuleInput {
  name: string;
  eventBusName?: string;
  scheduleExpression?: string;
  eventPattern?: string;
  state?: string;
  description?: string;
  roleArn?: string;
}

/** A change the scheduler reacts to: a rule as it now is, or a rule that is gone. */
export type RuleChange = { kind: 'put'; rule: RuleRecord } | { kind: 'deleted'; eventBusName: string; name: string };
export type RuleChangeListener = (change: RuleChange) => void;

export interface EventRulesDeps {
  store: RuleStore;
  partition: Partition;
  clock: Clock;
  log: Pick<Logger, 'warn'>;
  /** Told of every rule written here (a cluster's node tells the other nodes, which `reload` it). */
  announce?: (eventBusName: string, name: string) => void;
}

const isEnabled = (rule: RuleRecord): boolean => rule.state !== 'DISABLED';
const key = (bus: string, name: string): string => `${bus}\u0000${name}`;

/** The rules of Gust's one event bus (`default`) and their targets. Call `load` before use. */
export class EventRules {
  /** Enabled rules with an event pattern, compiled: what PutEvents matches against. */
  private readonly patterns = new Map<string, { rule: RuleRecord; pattern: EventPattern }>();
  private readonly listeners = new Set<RuleChangeListener>();
  /** Check-then-write operations on one rule (target quota, delete with targets) run one at a time. */
  private readonly locks = new KeyedMutex();

  constructor(private readonly deps: EventRulesDeps) {}

  /** Reads the stored rules; call once before serving. */
  async load(): Promise<RuleRecord[]> {
    const rules = await this.deps.store.listAllRules();
    for (const rule of rules) this.rememberStored(rule);
    return rules;
  }

  onChange(listener: RuleChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The enabled pattern rules of a bus whose pattern matches `event`. */
  matching(eventBusName: string, event: object): RuleRecord[] {
    const out: RuleRecord[] = [];
    for (const { rule, pattern } of this.patterns.values()) {
      if (rule.eventBusName === eventBusName && pattern.matches(event)) out.push(rule);
    }
    return out;
  }

  /** Creates or replaces a rule; returns its ARN. A replaced rule keeps its targets. */
  async putRule(input: PutRuleInput): Promise<string> {
    checkName(input.name, 'name');
    const bus = resolveBus(this.deps.partition, input.eventBusName);
    const state = checkState(input.state);
    checkMaxLength(input.description, 'description', 512);
    checkMaxLength(input.scheduleExpression, 'scheduleExpression', 256);
    checkMaxLength(input.eventPattern, 'eventPattern', 4096);
    checkMaxLength(input.roleArn, 'roleArn', 1600);
    if (!input.scheduleExpression && !input.eventPattern) {
      throw new ValidationException('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (input.scheduleExpression) {
      if (bus !== DEFAULT_BUS) throw new ValidationException('ScheduleExpression is supported only on the default event bus.');
      parseScheduleExpression(input.scheduleExpression);
    }
    if (input.eventPattern) compilePattern(input.eventPattern);

    return this.locks.run(key(bus, input.name), async () => {
      const now = this.deps.clock.now();
      const previous = await this.deps.store.getRule(bus, input.name);
      const rule: RuleRecord = {
        eventBusName: bus,
        name: input.name,
        arn: ruleArn(this.deps.partition, bus, input.name),
        state,
        ...(input.scheduleExpression ? { scheduleExpression: input.scheduleExpression } : {}),
        ...(input.eventPattern ? { eventPattern: input.eventPattern } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.roleArn !== undefined ? { roleArn: input.roleArn } : {}),
        createdAt: previous?.createdAt ?? now,
        // rate() counts from creation, from enabling, or from a new expression.
        scheduleAnchor:
          previous && previous.scheduleExpression === input.scheduleExpression && isEnabled(previous) === (state !== 'DISABLED')
            ? previous.scheduleAnchor
            : now,
      };
      await this.deps.store.putRule(rule);
      this.changed(rule);
      return rule.arn;
    });
  }

  async describeRule(name: string, eventBusName?: string): Promise<RuleRecord> {
    const bus = resolveBus(this.deps.partition, eventBusName);
    const rule = await this.deps.store.getRule(bus, name);
    if (!rule) throw ruleNotFound(name, bus);
    return rule;
  }

  async listRules(input: { eventBusName?: string; namePrefix?: string; nextToken?: string; limit?: number }): Promise<{ rules: RuleRecord[]; nextToken?: string }> {
    const bus = resolveBus(this.deps.partition, input.eventBusName);
    const prefix = input.namePrefix ?? '';
    const rules = (await this.deps.store.listRules(bus)).filter((r) => r.name.startsWith(prefix));
    const { items, nextToken } = page(rules, (r) => r.name, input.nextToken, input.limit);
    return nextToken === undefined ? { rules: items } : { rules: items, nextToken };
  }

  /** Every rule of every bus in one read, unpaged: for Gust's own `GET /gust/schedules`. */
  listAllRules(): Promise<RuleRecord[]> {
    return this.deps.store.listAllRules();
  }

  enableRule(name: string, eventBusName?: string): Promise<void> {
    return this.setState(name, eventBusName, 'ENABLED');
  }

  disableRule(name: string, eventBusName?: string): Promise<void> {
    return this.setState(name, eventBusName, 'DISABLED');
  }

  /** Deletes a rule without targets; a rule that does not exist is a no-op, as on AWS. */
  async deleteRule(name: string, eventBusName?: string): Promise<void> {
    const bus = resolveBus(this.deps.partition, eventBusName);
    await this.locks.run(key(bus, name), async () => {
      if (!(await this.deps.store.getRule(bus, name))) return;
      if ((await this.deps.store.listTargets(bus, name)).length > 0) throw new ValidationException("Rule can't be deleted since it has targets.");
      await this.deps.store.deleteRule(bus, name);
      this.forget(bus, name);
      this.deps.announce?.(bus, name);
    });
  }

  /** Reads every rule again (a cluster node's notes may have been lost): listeners hear of each, and of each that is gone. */
  async resync(): Promise<void> {
    const rules = await this.deps.store.listAllRules();
    const now = new Set(rules.map((r) => key(r.eventBusName, r.name)));
    for (const { rule } of [...this.patterns.values()]) if (!now.has(key(rule.eventBusName, rule.name))) this.forget(rule.eventBusName, rule.name);
    for (const rule of rules) {
      this.rememberStored(rule);
      this.emit({ kind: 'put', rule });
    }
  }

  /**
   * Reads a rule another node wrote from the store: PutEvents here and the scheduler (on the
   * node that fires schedules) follow it. Not announced again.
   */
  async reload(eventBusName: string, name: string): Promise<void> {
    await this.locks.run(key(eventBusName, name), async () => {
      const rule = await this.deps.store.getRule(eventBusName, name);
      if (!rule) return this.forget(eventBusName, name);
      this.rememberStored(rule);
      this.emit({ kind: 'put', rule });
    });
  }

  /**
   * Adds or replaces targets. Entries Gust cannot honour come back as failed entries and
   * are not stored; the others are stored together. More than five targets on the rule
   * refuses the whole request.
   */
  async putTargets(ruleName: string, eventBusName: string | undefined, targets: TargetInput[]): Promise<FailedTargetEntry[]> {
    const bus = resolveBus(this.deps.partition, eventBusName);
    if (targets.length < 1 || targets.length > 10) {
      throw validationError(undefined, 'targets', 'Member must have length between 1 and 10');
    }
    return this.locks.run(key(bus, ruleName), async () => {
      if (!(await this.deps.store.getRule(bus, ruleName))) throw ruleNotFound(ruleName, bus);
      const failed: FailedTargetEntry[] = [];
      const accepted: TargetRecord[] = [];
      targets.forEach((t, i) => {
        const problem = targetProblem(this.deps.partition, t, i);
        if (problem === undefined) accepted.push(targetRecord(t));
        else failed.push({ targetId: t.id, errorCode: 'ValidationException', errorMessage: problem });
      });
      const ids = new Set((await this.deps.store.listTargets(bus, ruleName)).map((t) => t.id));
      for (const t of accepted) ids.add(t.id);
      if (ids.size > MAX_TARGETS_PER_RULE) throw new LimitExceededException();
      if (accepted.length > 0) await this.deps.store.putTargets(bus, ruleName, accepted);
      return failed;
    });
  }

  /** Removes targets by id; ids the rule does not have come back as failed entries. */
  async removeTargets(ruleName: string, eventBusName: string | undefined, ids: string[]): Promise<FailedTargetEntry[]> {
    const bus = resolveBus(this.deps.partition, eventBusName);
    return this.locks.run(key(bus, ruleName), async () => {
      if (!(await this.deps.store.getRule(bus, ruleName))) throw ruleNotFound(ruleName, bus);
      const existing = new Set((await this.deps.store.listTargets(bus, ruleName)).map((t) => t.id));
      const failed = ids
        .filter((id) => !existing.has(id))
        .map((id) => ({ targetId: id, errorCode: 'ResourceNotFoundException', errorMessage: `Rule '${ruleName}' does not have a target with the Id '${id}'.` }));
      await this.deps.store.removeTargets(bus, ruleName, ids.filter((id) => existing.has(id)));
      return failed;
    });
  }

  /** A rule's targets as they stand now, unpaged: where a firing or a matched event goes. */
  targetsOf(rule: RuleRecord): Promise<TargetRecord[]> {
    return this.deps.store.listTargets(rule.eventBusName, rule.name);
  }

  async listTargetsByRule(ruleName: string, eventBusName?: string, nextToken?: string, limit?: number): Promise<{ targets: TargetRecord[]; nextToken?: string }> {
    const bus = resolveBus(this.deps.partition, eventBusName);
    if (!(await this.deps.store.getRule(bus, ruleName))) throw ruleNotFound(ruleName, bus);
    const targets = await this.deps.store.listTargets(bus, ruleName);
    const result = page(targets, (t) => t.id, nextToken, limit);
    return result.nextToken === undefined ? { targets: result.items } : { targets: result.items, nextToken: result.nextToken };
  }

  private async setState(name: string, eventBusName: string | undefined, state: 'ENABLED' | 'DISABLED'): Promise<void> {
    const bus = resolveBus(this.deps.partition, eventBusName);
    await this.locks.run(key(bus, name), async () => {
      const rule = await this.deps.store.getRule(bus, name);
      if (!rule) throw ruleNotFound(name, bus);
      const wasEnabled = isEnabled(rule);
      const updated: RuleRecord = { ...rule, state };
      // Enabling restarts a rate() schedule's count; enabling an enabled rule changes nothing.
      if (!wasEnabled && state === 'ENABLED') updated.scheduleAnchor = this.deps.clock.now();
      await this.deps.store.putRule(updated);
      this.changed(updated);
    });
  }

  private changed(rule: RuleRecord): void {
    this.remember(rule);
    this.emit({ kind: 'put', rule });
    this.deps.announce?.(rule.eventBusName, rule.name);
  }

  private rememberStored(rule: RuleRecord): void {
    try {
      this.remember(rule);
    } catch (err) {
      // A stored pattern this build refuses must not stop the server: the rule stays
      // listed and editable, and matches nothing until it is put again.
      this.deps.log.warn({ err, rule: rule.arn }, 'stored event pattern is not valid; the rule matches no events');
    }
  }

  private forget(eventBusName: string, name: string): void {
    this.patterns.delete(key(eventBusName, name));
    this.emit({ kind: 'deleted', eventBusName, name });
  }

  private remember(rule: RuleRecord): void {
    const k = key(rule.eventBusName, rule.name);
    if (rule.eventPattern && isEnabled(rule)) this.patterns.set(k, { rule, pattern: compilePattern(rule.eventPattern) });
    else this.patterns.delete(k);
  }

  private emit(change: RuleChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
