/**
 * The evaluator on policies shaped as AddPermission writes them (and a few hand-written
 * ones, as other tools leave them): principals, actions, each condition operator, Deny,
 * and the decisions of access.ts.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../../core/model/policies.js';
import { mayInvoke, PUBLIC_URL_REQUEST } from './access.js';
import { allows, arnMatches, globMatch, type PolicyRequest } from './evaluate.js';
import { buildStatement } from './statement.js';

const FN = 'arn:aws:lambda:us-east-1:111111111111:function:f';
const OWNER = '111111111111';
const OTHER = '222222222222';

/** A policy of the statements AddPermission would build from these inputs. */
function policy(...inputs: Record<string, string | boolean>[]): { statements: PolicyStatement[] } {
  return { statements: inputs.map((input, i) => buildStatement({ functionName: 'f', statementId: `s${i}`, action: 'lambda:InvokeFunction', ...input }, FN)) };
}

const invoke = (principal: PolicyRequest['principal'], more: Partial<PolicyRequest> = {}): PolicyRequest => ({ principal, action: 'lambda:InvokeFunction', ...more });

describe('allows', () => {
  it('denies when there is no policy or no statement matches', () => {
    expect(allows(undefined, invoke({ account: OTHER }))).toBe(false);
    expect(allows({ statements: [] }, invoke({ account: OTHER }))).toBe(false);
    expect(allows(policy({ principal: OWNER }), invoke({ account: OTHER }))).toBe(false);
  });

  it('matches an account principal written as an id (stored as its root ARN) for any identity of that account', () => {
    const p = policy({ principal: OTHER });
    expect(p.statements[0]!.Principal).toEqual({ AWS: `arn:aws:iam::${OTHER}:root` });
    expect(allows(p, invoke({ account: OTHER }))).toBe(true);
    expect(allows(p, invoke({ account: OTHER, arn: `arn:aws:iam::${OTHER}:role/app` }))).toBe(true);
    expect(allows(p, invoke({ service: 's3.amazonaws.com' }))).toBe(false);
    expect(allows(p, invoke({ anonymous: true }))).toBe(false);
  });

  it('matches a role principal only for that role', () => {
    const p = policy({ principal: `arn:aws:iam::${OTHER}:role/app` });
    expect(allows(p, invoke({ account: OTHER, arn: `arn:aws:iam::${OTHER}:role/app` }))).toBe(true);
    expect(allows(p, invoke({ account: OTHER, arn: `arn:aws:iam::${OTHER}:role/other` }))).toBe(false);
    expect(allows(p, invoke({ account: OTHER }))).toBe(false);
  });

  it('matches "*" and {"AWS": "*"} for everyone, anonymous callers and services included', () => {
    for (const statements of [policy({ principal: '*' }).statements, [{ ...policy({ principal: '*' }).statements[0]!, Principal: { AWS: '*' } }]]) {
      expect(allows({ statements }, invoke({ anonymous: true }))).toBe(true);
      expect(allows({ statements }, invoke({ account: OTHER }))).toBe(true);
      expect(allows({ statements }, invoke({ service: 'events.amazonaws.com' }))).toBe(true);
    }
  });

  it('matches a service principal with ArnLike on AWS:SourceArn and StringEquals on AWS:SourceAccount', () => {
    const p = policy({ principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::photos', sourceAccount: OWNER });
    const s3 = { service: 's3.amazonaws.com' };
    expect(allows(p, invoke(s3, { sourceArn: 'arn:aws:s3:::photos', sourceAccount: OWNER }))).toBe(true);
    expect(allows(p, invoke(s3, { sourceArn: 'arn:aws:s3:::other', sourceAccount: OWNER }))).toBe(false);
    expect(allows(p, invoke(s3, { sourceArn: 'arn:aws:s3:::photos', sourceAccount: OTHER }))).toBe(false);
    // A condition key the request lacks fails a positive operator.
    expect(allows(p, invoke(s3, { sourceArn: 'arn:aws:s3:::photos' }))).toBe(false);
    expect(allows(p, invoke({ service: 'sqs.amazonaws.com' }, { sourceArn: 'arn:aws:s3:::photos', sourceAccount: OWNER }))).toBe(false);
  });

  it('treats SourceArn wildcards per ARN part, as ArnLike does', () => {
    const p = policy({ principal: 'events.amazonaws.com', sourceArn: 'arn:aws:events:us-east-1:111111111111:rule/nightly-*' });
    const events = { service: 'events.amazonaws.com' };
    expect(allows(p, invoke(events, { sourceArn: 'arn:aws:events:us-east-1:111111111111:rule/nightly-report' }))).toBe(true);
    expect(allows(p, invoke(events, { sourceArn: 'arn:aws:events:us-east-1:111111111111:rule/hourly' }))).toBe(false);
    expect(arnMatches('arn:aws:s3:::*', 'arn:aws:s3:::any-bucket')).toBe(true);
    expect(arnMatches('arn:aws:s3:::*', 'arn:aws:lambda:us-east-1:111111111111:function:f')).toBe(false);
    expect(arnMatches('arn:aws:*:us-east-1:*:queue-?', 'arn:aws:sqs:us-east-1:111111111111:queue-a')).toBe(true);
    expect(arnMatches('arn:aws:sqs:*:*:q', 'not-an-arn')).toBe(false);
    expect(arnMatches('*', 'arn:aws:sqs:us-east-1:111111111111:q')).toBe(true);
  });

  it('compares actions case-insensitively and lets lambda:* and * cover every action', () => {
    expect(allows(policy({ principal: OTHER, action: 'lambda:invokefunction' }), invoke({ account: OTHER }))).toBe(true);
    expect(allows(policy({ principal: OTHER, action: 'lambda:*' }), invoke({ account: OTHER }, { action: 'lambda:GetFunction' }))).toBe(true);
    expect(allows(policy({ principal: OTHER, action: '*' }), invoke({ account: OTHER }, { action: 'lambda:InvokeFunctionUrl' }))).toBe(true);
    expect(allows(policy({ principal: OTHER, action: 'lambda:GetFunction' }), invoke({ account: OTHER }))).toBe(false);
  });

  it('makes a NONE function URL public only with the statement AWS requires', () => {
    const publicUrl = policy({ principal: '*', action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'NONE' });
    expect(allows(publicUrl, PUBLIC_URL_REQUEST)).toBe(true);
    // The same statement for AWS_IAM URLs, or an InvokeFunction statement, does not.
    expect(allows(policy({ principal: '*', action: 'lambda:InvokeFunctionUrl', functionUrlAuthType: 'AWS_IAM' }), PUBLIC_URL_REQUEST)).toBe(false);
    expect(allows(policy({ principal: '*' }), PUBLIC_URL_REQUEST)).toBe(false);
    // Nor does it let anyone call InvokeFunction: the condition needs a URL request.
    expect(allows(publicUrl, invoke({ anonymous: true }))).toBe(false);
  });

  it('reads PrincipalOrgID, EventSourceToken and InvokedViaFunctionUrl conditions', () => {
    expect(allows(policy({ principal: '*', principalOrgId: 'o-abcdefghij' }), invoke({ account: OTHER }, { principalOrgId: 'o-abcdefghij' }))).toBe(true);
    expect(allows(policy({ principal: '*', principalOrgId: 'o-abcdefghij' }), invoke({ account: OTHER }))).toBe(false);
    expect(allows(policy({ principal: 'alexa-connectedhome.amazon.com', eventSourceToken: 'tok' }), invoke({ service: 'alexa-connectedhome.amazon.com' }, { eventSourceToken: 'tok' }))).toBe(true);
    const viaUrl = policy({ principal: '*', invokedViaFunctionUrl: true });
    expect(allows(viaUrl, invoke({ anonymous: true }, { invokedViaFunctionUrl: true }))).toBe(true);
    expect(allows(viaUrl, invoke({ anonymous: true }, { invokedViaFunctionUrl: false }))).toBe(false);
  });

  it('lets a matching Deny win, applies negated and IfExists operators as IAM does, and fails closed on unknown operators', () => {
    const allow = policy({ principal: '*' }).statements[0]!;
    const deny: PolicyStatement = { ...allow, Sid: 'no-other', Effect: 'Deny', Principal: { AWS: OTHER } };
    expect(allows({ statements: [allow, deny] }, invoke({ account: OTHER }))).toBe(false);
    expect(allows({ statements: [allow, deny] }, invoke({ account: OWNER }))).toBe(true);

    const notFrom: PolicyStatement = { ...allow, Condition: { StringNotEquals: { 'aws:SourceAccount': OTHER } } };
    expect(allows({ statements: [notFrom] }, invoke({ account: OWNER }, { sourceAccount: OTHER }))).toBe(false);
    expect(allows({ statements: [notFrom] }, invoke({ account: OWNER }))).toBe(true);
    const ifExists: PolicyStatement = { ...allow, Condition: { ArnLikeIfExists: { 'AWS:SourceArn': 'arn:aws:s3:::a' } } };
    expect(allows({ statements: [ifExists] }, invoke({ account: OWNER }))).toBe(true);
    expect(allows({ statements: [ifExists] }, invoke({ account: OWNER }, { sourceArn: 'arn:aws:s3:::b' }))).toBe(false);
    const anyOf: PolicyStatement = { ...allow, Condition: { StringEquals: { 'aws:sourceaccount': [OWNER, OTHER] } } };
    expect(allows({ statements: [anyOf] }, invoke({ account: OWNER }, { sourceAccount: OTHER }))).toBe(true);
    const unknown: PolicyStatement = { ...allow, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } };
    expect(allows({ statements: [unknown] }, invoke({ account: OWNER }))).toBe(false);
  });

  it('globs with * and ? only, everything else literal', () => {
    expect(globMatch('a.b*', 'a.bcd')).toBe(true);
    expect(globMatch('a.b*', 'axbcd')).toBe(false);
    expect(globMatch('q-?', 'q-1')).toBe(true);
    expect(globMatch('q-?', 'q-12')).toBe(false);
    expect(globMatch('(x)', '(x)')).toBe(true);
  });
});

describe('mayInvoke', () => {
  it("lets the function's own account invoke without a statement, and another account only with one", () => {
    expect(mayInvoke(undefined, OWNER, { account: OWNER })).toBe(true);
    expect(mayInvoke(undefined, OWNER, { account: OTHER })).toBe(false);
    expect(mayInvoke(policy({ principal: OTHER }), OWNER, { account: OTHER })).toBe(true);
    expect(mayInvoke(policy({ principal: OTHER, action: 'lambda:GetFunction' }), OWNER, { account: OTHER })).toBe(false);
  });

  it('checks a service trigger against the statement for its source', () => {
    const p = policy({ principal: 's3.amazonaws.com', sourceArn: 'arn:aws:s3:::photos' });
    expect(mayInvoke(p, OWNER, { service: 's3.amazonaws.com' }, { sourceArn: 'arn:aws:s3:::photos', sourceAccount: OWNER })).toBe(true);
    expect(mayInvoke(p, OWNER, { service: 's3.amazonaws.com' }, { sourceArn: 'arn:aws:s3:::other', sourceAccount: OWNER })).toBe(false);
    expect(mayInvoke(undefined, OWNER, { service: 'events.amazonaws.com' }, { sourceArn: 'arn:aws:events:us-east-1:111111111111:rule/r' })).toBe(false);
  });
});
