import { describe, expect, it } from 'vitest';
import type { Schemas } from './client';
import { field, untypedField } from './json';

describe('reading backend JSON by field name', () => {
  it('reads a field of an object and nothing of anything else', () => {
    expect(field<Schemas['SearchResult']>({ page_id: 'p1' }, 'page_id')).toBe('p1');
    expect(field<Schemas['SearchResult']>({ title: 'no id' }, 'page_id')).toBeUndefined();
    expect(field<Schemas['SearchResult']>(['p1'], 'page_id')).toBeUndefined();
    expect(field<Schemas['SearchResult']>(null, 'page_id')).toBeUndefined();
    expect(untypedField({ path: [] }, 'path')).toEqual([]);
  });

  it('accepts only field names the schema has (checked by `npm run check`)', () => {
    // @ts-expect-error `pageId` is not a field of the backend's SearchResult.
    expect(field<Schemas['SearchResult']>({ pageId: 'p1' }, 'pageId')).toBe('p1');
    // @ts-expect-error without a schema no field name is accepted.
    expect(field({ page_id: 'p1' }, 'page_id')).toBe('p1');
  });
});
