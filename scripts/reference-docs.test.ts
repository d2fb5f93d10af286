import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED_DOCS, withSection } from './reference-docs.js';

const root = fileURLToPath(new URL('../', import.meta.url));

describe('the generated tables of docs/', () => {
  for (const doc of GENERATED_DOCS) {
    it(`${doc.path} shows the code as it is (npm run docs rewrites it)`, async () => {
      const path = `${root}${doc.path}`;
      let expected = readFileSync(path, 'utf8');
      for (const [name, render] of Object.entries(doc.sections)) expected = withSection(expected, name, render());
      await expect(expected).toMatchFileSnapshot(path);
    });
  }

  it('refuses a document without the markers of a section', () => {
    expect(() => withSection('# Title\n', 'options', 'x')).toThrow("no generated section 'options'");
  });
});
