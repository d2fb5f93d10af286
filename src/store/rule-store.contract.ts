/**
 * The behaviour every RuleStore must have, as one vitest suite (see rule-store.ts). Each
 * implementation's test file calls `runRuleStoreContract` with a factory.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResourceNotFoundException } from '../core/errors.js';
import type { RuleRecord, TargetRecord } from '../core/model/rules.js';
import type { RuleStore } from './rule-store.js';

export interface RuleStoreFactory {
  /** A new, empty store. */
  create(): Promise<RuleStore>;
  /** The store last created, opened again after it was closed; without it the persistence test is skipped. */
  reopen?(): Promise<RuleStore>;
}

/** A rule with test defaults. */
export function sampleRule(name: string, over: Partial<RuleRecord> = {}): RuleRecord {
  return {
    eventBusName: 'default',
    name,
    arn: `arn:aws:events:us-east-1:000000000000:rule/${name}`,
    state: 'ENABLED',
    scheduleExpression: 'rate(5 minutes)',
    createdAt: Date.UTC(2026, 0, 1),
    scheduleAnchor: Date.UTC(2026, 0, 1),
    ...over,
  };
}

/** A Lambda target with test defaults. */
export function sampleTarget(id: string, over: Partial<TargetRecord> = {}): TargetRecord {
  return { id, arn: `arn:aws:lambda:us-east-1:000000000000:function:${id}`, ...over };
}

export function runRuleStoreContract(name: string, factory: RuleStoreFactory): void {
  describe(`RuleStore contract: ${name}`, () => {
    let store: RuleStore;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores, replaces and reads back rules', async () => {
      const rule = sampleRule('r1', { eventPattern: '{"source":["a"]}', description: 'd' });
      await store.putRule(rule);
      expect(await store.getRule('default', 'r1')).toEqual(rule);
      await store.putRule({ ...rule, state: 'DISABLED' });
      expect((await store.getRule('default', 'r1'))?.state).toBe('DISABLED');
      expect(await store.getRule('default', 'missing')).toBeUndefined();
      expect(await store.getRule('other-bus', 'r1')).toBeUndefined();
    });

    it('returns copies', async () => {
      await store.putRule(sampleRule('r1'));
      const read = await store.getRule('default', 'r1');
      read!.state = 'DISABLED';
      expect((await store.getRule('default', 'r1'))?.state).toBe('ENABLED');
      const [target] = [sampleTarget('t1')];
      await store.putTargets('default', 'r1', [target!]);
      target!.arn = 'changed';
      expect((await store.listTargets('default', 'r1'))[0]?.arn).not.toBe('changed');
    });

    it('lists rules of a bus by code-unit order, and all rules by bus then name', async () => {
      for (const n of ['b', 'B', 'a', 'a-1']) await store.putRule(sampleRule(n));
      await store.putRule(sampleRule('z', { eventBusName: 'custom' }));
      expect((await store.listRules('default')).map((r) => r.name)).toEqual(['B', 'a', 'a-1', 'b']);
      expect((await store.listRules('custom')).map((r) => r.name)).toEqual(['z']);
      expect((await store.listAllRules()).map((r) => `${r.eventBusName}/${r.name}`)).toEqual(['custom/z', 'default/B', 'default/a', 'default/a-1', 'default/b']);
    });

    it('adds, replaces and removes targets by id', async () => {
      await store.putRule(sampleRule('r1'));
      await store.putTargets('default', 'r1', [sampleTarget('t2'), sampleTarget('t1', { input: '{"a":1}' })]);
      expect((await store.listTargets('default', 'r1')).map((t) => t.id)).toEqual(['t1', 't2']);
      await store.putTargets('default', 'r1', [sampleTarget('t1', { inputPath: '$.detail' })]);
      expect(await store.listTargets('default', 'r1')).toEqual([sampleTarget('t1', { inputPath: '$.detail' }), sampleTarget('t2')]);
      await store.removeTargets('default', 'r1', ['t2', 'missing']);
      expect((await store.listTargets('default', 'r1')).map((t) => t.id)).toEqual(['t1']);
    });

    it('keeps targets when a rule is replaced, and deletes them with the rule', async () => {
      await store.putRule(sampleRule('r1'));
      await store.putTargets('default', 'r1', [sampleTarget('t1')]);
      await store.putRule(sampleRule('r1', { description: 'updated' }));
      expect(await store.listTargets('default', 'r1')).toHaveLength(1);
      await store.deleteRule('default', 'r1');
      expect(await store.getRule('default', 'r1')).toBeUndefined();
      expect(await store.listTargets('default', 'r1')).toEqual([]);
      // A new rule of the same name starts without targets.
      await store.putRule(sampleRule('r1'));
      expect(await store.listTargets('default', 'r1')).toEqual([]);
    });

    it('refuses targets of a rule that is not stored, writing none of them', async () => {
      await expect(store.putTargets('default', 'missing', [sampleTarget('t1')])).rejects.toBeInstanceOf(ResourceNotFoundException);
      await store.putRule(sampleRule('r1', { eventBusName: 'custom' }));
      await expect(store.putTargets('default', 'r1', [sampleTarget('t1')])).rejects.toBeInstanceOf(ResourceNotFoundException);
      expect(await store.listTargets('default', 'r1')).toEqual([]);
    });

    it('treats deleting what is not stored as a no-op', async () => {
      await expect(store.deleteRule('default', 'missing')).resolves.toBeUndefined();
      await expect(store.removeTargets('default', 'missing', ['t1'])).resolves.toBeUndefined();
    });

    it.skipIf(!factory.reopen)('keeps rules and targets across a reopen', async () => {
      await store.putRule(sampleRule('r1'));
      await store.putTargets('default', 'r1', [sampleTarget('t1')]);
      await store.close();
      store = await factory.reopen!();
      expect(await store.getRule('default', 'r1')).toEqual(sampleRule('r1'));
      expect(await store.listTargets('default', 'r1')).toEqual([sampleTarget('t1')]);
    });
  });
}
