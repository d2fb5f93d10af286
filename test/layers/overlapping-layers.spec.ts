/**
 * Two layers whose trees overlap entry by entry (3,000 files under the same directory, as
 * two large `python/` package layers do) on the namespace sandbox, where /opt is merged
 * from the layers: the function starts, sees every file, and the later layer's version of
 * each file that both have.
 */
import { PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { namespaceHostGap } from '../../src/sandbox/namespace/namespace-setup.js';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { makeZip } from '../helpers/zips.js';

const gap = namespaceHostGap();
if (gap) console.warn(`test/layers/overlapping-layers.spec.ts skipped: ${gap}`);

const FILES = 3000;
let t: TestGust;

beforeAll(async () => {
  if (gap) return;
  t = await startTestGust({ flags: { sandbox: 'namespace' } });
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

async function layer(name: string, files: Record<string, string>): Promise<string> {
  const out = await t.lambda.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: await makeZip(files) } }));
  return out.LayerVersionArn!;
}

it.skipIf(gap)('merges two layers of 3,000 overlapping files into /opt', { timeout: 120_000 }, async () => {
  const first: Record<string, string> = {};
  const second: Record<string, string> = {};
  for (let i = 0; i < FILES; i++) {
    first[`python/pkg/m${i}.py`] = 'first';
    if (i % 2 === 0) second[`python/pkg/m${i}.py`] = 'second';
  }
  second['python/pkg/only-second.py'] = 'second';
  const layers = [await layer('first', first), await layer('second', second)];
  await createFunction(t.lambda, 'reader', {
    Handler: 'index.handler',
    Layers: layers,
    files: {
      'index.js': `const fs = require('fs');
exports.handler = async () => {
  const names = fs.readdirSync('/opt/python/pkg');
  const read = (n) => fs.readFileSync('/opt/python/pkg/' + n, 'utf8');
  return { count: names.length, m0: read('m0.py'), m1: read('m1.py'), m2998: read('m2998.py'), m2999: read('m2999.py'), second: read('only-second.py') };
};`,
    },
  });
  const answer = await invoke(t.lambda, 'reader');
  expect(answer.functionError, answer.text).toBeUndefined();
  expect(answer.json).toEqual({ count: FILES + 1, m0: 'second', m1: 'first', m2998: 'second', m2999: 'first', second: 'second' });
});
