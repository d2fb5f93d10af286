import { describe, expect, it } from 'vitest';
import { ALWAYS_IGNORED, IgnoreList } from './ignore.js';

describe('IgnoreList', () => {
  it('matches a bare name at any depth, file or directory', () => {
    const list = IgnoreList.parse('secret.txt\ncoverage\n');
    expect(list.ignores('secret.txt', false)).toBe(true);
    expect(list.ignores('a/b/secret.txt', false)).toBe(true);
    expect(list.ignores('coverage', true)).toBe(true);
    expect(list.ignores('src/coverage', true)).toBe(true);
    expect(list.ignores('secret.txt.bak', false)).toBe(false);
  });

  it('skips comments and blank lines', () => {
    const list = IgnoreList.parse('# a comment\n\n   \n*.log  \n');
    expect(list.ignores('# a comment', false)).toBe(false);
    expect(list.ignores('x.log', false)).toBe(true);
  });

  it('limits a trailing-slash pattern to directories', () => {
    const list = IgnoreList.parse('tmp/');
    expect(list.ignores('tmp', true)).toBe(true);
    expect(list.ignores('lib/tmp', true)).toBe(true);
    expect(list.ignores('tmp', false)).toBe(false);
  });

  it('anchors patterns with a leading or inner slash', () => {
    const list = IgnoreList.parse('/build\ndocs/*.md');
    expect(list.ignores('build', true)).toBe(true);
    expect(list.ignores('src/build', true)).toBe(false);
    expect(list.ignores('docs/readme.md', false)).toBe(true);
    expect(list.ignores('docs/deep/readme.md', false)).toBe(false);
    expect(list.ignores('other/docs/readme.md', false)).toBe(false);
  });

  it('treats * and ? within a segment, ** across segments', () => {
    const list = IgnoreList.parse('*.test.js\nfile?.txt\n**/fixtures/**');
    expect(list.ignores('a/b.test.js', false)).toBe(true);
    expect(list.ignores('file1.txt', false)).toBe(true);
    expect(list.ignores('file12.txt', false)).toBe(false);
    expect(list.ignores('x/fixtures/y/z.json', false)).toBe(true);
    expect(list.ignores('fixtures/z.json', false)).toBe(true);
  });

  it('lets a later negation re-include, last match winning', () => {
    const list = IgnoreList.parse('*.md\n!README.md');
    expect(list.ignores('CHANGES.md', false)).toBe(true);
    expect(list.ignores('README.md', false)).toBe(false);
  });

  it('escapes regular-expression characters in names', () => {
    const list = IgnoreList.parse('a+b.(x)');
    expect(list.ignores('a+b.(x)', false)).toBe(true);
    expect(list.ignores('aab.(x)', false)).toBe(false);
  });

  it('always leaves out .git, node_modules/.cache and .gustignore itself', () => {
    const list = new IgnoreList(ALWAYS_IGNORED);
    expect(list.ignores('.git', true)).toBe(true);
    expect(list.ignores('node_modules/.cache', true)).toBe(true);
    expect(list.ignores('packages/a/node_modules/.cache', true)).toBe(true);
    expect(list.ignores('node_modules/left-pad', true)).toBe(false);
    expect(list.ignores('.gustignore', false)).toBe(true);
    expect(list.ignores('sub/.gustignore', false)).toBe(false);
  });
});
