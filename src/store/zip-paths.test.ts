import { describe, expect, it } from 'vitest';
import { InvalidParameterValueException } from '../core/errors.js';
import { PackageTree, normaliseEntryName } from './zip-paths.js';

const refusal = (name: string, why: string) => `Could not unzip uploaded file. The entry '${name}' ${why}.`;

describe('normaliseEntryName', () => {
  it('keeps ordinary names and drops empty and "." segments', () => {
    expect(normaliseEntryName('index.js')).toEqual({ path: 'index.js', isDir: false });
    expect(normaliseEntryName('lib/')).toEqual({ path: 'lib', isDir: true });
    expect(normaliseEntryName('./a//b/./c.txt')).toEqual({ path: 'a/b/c.txt', isDir: false });
    expect(normaliseEntryName('./')).toEqual({ path: '', isDir: true });
    expect(normaliseEntryName('a\\b.txt')).toEqual({ path: 'a/b.txt', isDir: false });
    expect(normaliseEntryName('..a/b..')).toEqual({ path: '..a/b..', isDir: false });
  });

  it.each([
    ['../evil', 'points outside the package'],
    ['a/../../evil', 'points outside the package'],
    ['a/..', 'points outside the package'],
    ['..\\evil', 'points outside the package'],
    ['a\\..\\..\\evil', 'points outside the package'],
    ['/etc/x', 'has an absolute path'],
    ['//server/share/x', 'has an absolute path'],
    ['\\windows\\x', 'has an absolute path'],
    ['C:/x', 'has an absolute path'],
    ['c:x', 'has an absolute path'],
    ['D:\\x', 'has an absolute path'],
    ['a\0b', 'has a NUL character in its name'],
    [`${'x'.repeat(256)}/y`, 'has a name that is too long'],
  ])('refuses %j', (name, why) => {
    const attempt = () => normaliseEntryName(name);
    expect(attempt).toThrow(InvalidParameterValueException);
    expect(attempt).toThrow(refusal(name.replace('\0', '\\u0000'), why));
  });
});

describe('PackageTree', () => {
  it('accepts repeated directories and refuses repeated files', () => {
    const t = new PackageTree();
    t.add('a/b', 'file', 'a/b');
    t.add('a', 'dir', 'a/');
    t.add('a', 'dir', 'a/');
    expect(() => t.add('a/b', 'file', 'a/b')).toThrow(refusal('a/b', 'appears more than once'));
    expect(() => t.add('a', 'file', 'a')).toThrow(refusal('a', 'appears more than once'));
    expect(() => t.add('a/b', 'dir', 'a/b/')).toThrow(refusal('a/b/', 'appears more than once'));
  });

  it('refuses entries under a file or a link', () => {
    const t = new PackageTree();
    t.add('f', 'file', 'f');
    t.add('l', 'link', 'l', 'd');
    expect(() => t.add('f/x', 'file', 'f/x')).toThrow(refusal('f/x', "is inside 'f', which is a file"));
    expect(() => t.add('l/x', 'file', 'l/x')).toThrow(refusal('l/x', "is inside 'l', which is a symbolic link"));
    expect(() => t.add('l/y/z', 'link', 'l/y/z', '.')).toThrow(refusal('l/y/z', "is inside 'l', which is a symbolic link"));
  });

  it('lists directories deepest first', () => {
    const t = new PackageTree();
    t.add('a/b/c/f', 'file', 'a/b/c/f');
    t.add('z', 'dir', 'z/');
    expect(t.directoriesDeepestFirst()).toEqual(['a/b/c', 'a/b', 'a', 'z', '']);
  });

  function links(entries: Record<string, string>): PackageTree {
    const t = new PackageTree();
    for (const [path, target] of Object.entries(entries)) t.add(path, 'link', path, target);
    return t;
  }

  it.each([
    ['a sibling', { l: 'x' }, 'l'],
    ['a file deeper down', { 'a/l': 'b/c/x' }, 'a/l'],
    ['the root from below', { 'a/b/l': '../..' }, 'a/b/l'],
    ['the root itself', { l: '.' }, 'l'],
    ['through another link', { 'd/up': '..', l: 'd/up/x' }, 'l'],
    ['a chain of links', { a: 'b', b: 'c', c: 'x' }, 'a'],
    ['a dangling target inside', { l: 'missing/../x' }, 'l'],
  ])('lets a link stay inside: %s', (_, entries, path) => {
    expect(links(entries).linkStaysInside(path)).toBe(true);
  });

  it.each([
    ['the parent', { l: '..' }, 'l'],
    ['an absolute path', { l: '/etc/passwd' }, 'l'],
    ['the parent from below', { 'a/l': '../../x' }, 'a/l'],
    ['out through another link that reads as inside', { 'd/up': '..', l: 'd/up/../x' }, 'l'],
    ['another link that points out', { out: '../x', l: 'out' }, 'l'],
    ['another link that is absolute', { abs: '/', l: 'abs/etc' }, 'l'],
    ['a loop', { a: 'b', b: 'a' }, 'a'],
    ['a self loop', { a: 'a/x' }, 'a'],
  ])('keeps a link from leaving: %s', (_, entries, path) => {
    expect(links(entries).linkStaysInside(path)).toBe(false);
  });
});
