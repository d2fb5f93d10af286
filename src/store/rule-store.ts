/**
 * The RuleStore: EventBridge rules and their targets, which must survive restarts (the
 * scheduler reloads them at start-up). Each method is atomic on its own; callers that check
 * and then write (the five-targets quota, DeleteRule refusing a rule with targets)
 * serialise per rule themselves. Every implementation must pass `runRuleStoreContract` in
 * rule-store.contract.ts.
 *
 * Rules every implementation keeps (the contract suite checks each):
 * - Reads return copies; lists are ordered by code unit (`'B' < 'a'`), as MetadataStore's.
 * - A target belongs to a rule: writing targets of a rule that is not stored is refused with
 *   ResourceNotFoundException; deleting a rule deletes its targets.
 * - Deleting something that is not stored is a no-op.
 */
import type { RuleRecord, TargetRecord } from '../core/model/rules.js';

export interface RuleStore {
  getRule(eventBusName: string, name: string): Promise<RuleRecord | undefined>;
  /** The rules of one event bus, ordered by name. */
  listRules(eventBusName: string): Promise<RuleRecord[]>;
  /** Every rule of every bus, ordered by bus then name (the scheduler's start-up read). */
  listAllRules(): Promise<RuleRecord[]>;
  putRule(rule: RuleRecord): Promise<void>;
  /** Deletes the rule and its targets. */
  deleteRule(eventBusName: string, name: string): Promise<void>;

  /** The targets of a rule, ordered by id; empty for a rule that is not stored. */
  listTargets(eventBusName: string, ruleName: string): Promise<TargetRecord[]>;
  /** Adds or replaces targets by id, all or none. ResourceNotFoundException if the rule is not stored. */
  putTargets(eventBusName: string, ruleName: string, targets: TargetRecord[]): Promise<void>;
  removeTargets(eventBusName: string, ruleName: string, ids: string[]): Promise<void>;

  close(): Promise<void>;
}
