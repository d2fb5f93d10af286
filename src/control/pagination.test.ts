import { describe, expect, it } from 'vitest';
import { LambdaError } from '../core/errors.js';
import { paginate, versionSortKey } from './pagination.js';

const items = ['a', 'b', 'c', 'd', 'e'];
const id = (s: string) => s;

describe('paginate', () => {
  it('pages by MaxItems with a marker on every page but the last', () => {
    const p1 = paginate(items, id, { maxItems: 2 });
    expect(p1.items).toEqual(['a', 'b']);
    const p2 = paginate(items, id, { maxItems: 2, marker: p1.nextMarker });
    expect(p2.items).toEqual(['c', 'd']);
    const p3 = paginate(items, id, { maxItems: 2, marker: p2.nextMarker });
    expect(p3).toEqual({ items: ['e'] });
    expect(paginate(items, id, { maxItems: 5 })).toEqual({ items });
  });

  it('resumes after the marker key even when that item is gone', () => {
    const marker = paginate(items, id, { maxItems: 2 }).nextMarker;
    expect(paginate(['a', 'c', 'd'], id, { maxItems: 10, marker }).items).toEqual(['c', 'd']);
    expect(paginate(['a', 'b'], id, { maxItems: 10, marker })).toEqual({ items: [] });
  });

  it('defaults to 50 items and refuses markers it did not issue', () => {
    const many = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
    expect(paginate(many, id, {}).items).toHaveLength(50);
    for (const marker of ['garbage', 'Zm9v', '%%%']) {
      expect(() => paginate(items, id, { marker })).toThrow(LambdaError);
    }
  });

  it('sorts $LATEST before numbered versions, and numbers numerically', () => {
    const keys = ['10', '$LATEST', '9', '1'].map(versionSortKey).sort();
    expect(keys).toEqual(['$LATEST', '1', '9', '10'].map(versionSortKey));
  });
});
