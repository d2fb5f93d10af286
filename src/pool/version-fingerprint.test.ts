import { describe, expect, it } from 'vitest';
import type { InvokableVersion } from './execution-environment.js';
import { testVersion } from '../../test/pool/pool-helpers.js';
import { versionFingerprint } from './version-fingerprint.js';

describe('versionFingerprint', () => {
  const base: InvokableVersion = testVersion('fp', '/code/a');

  it('ignores bookkeeping: RevisionId, description, times, states, dead-letter target', () => {
    const bumped = {
      ...base,
      revisionId: 'rev-2',
      description: 'new words',
      lastModified: '2026-02-02T00:00:00.000Z',
      state: 'Pending' as const,
      lastUpdateStatus: 'InProgress' as const,
      deadLetterTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:dlq',
    };
    expect(versionFingerprint(bumped)).toBe(versionFingerprint(base));
  });

  it('changes with anything the environment sees', () => {
    const changes = [
      { codeDir: '/code/b' },
      { codeHash: 'other' },
      { environment: { A: '1' } },
      { memorySize: 256 },
      { timeout: 4 },
      { handler: 'other.handler' },
      { runtime: 'nodejs20.x' as const },
      { ephemeralStorageMb: 1024 },
      { layerDirs: ['/layers/x'] },
      { loggingConfig: { logFormat: 'JSON' as const, logGroup: '/aws/lambda/fp' } },
    ];
    const fingerprints = new Set([versionFingerprint(base), ...changes.map((c) => versionFingerprint({ ...base, ...c }))]);
    expect(fingerprints.size).toBe(changes.length + 1);
  });
});
