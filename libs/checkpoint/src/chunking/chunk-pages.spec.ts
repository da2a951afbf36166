import { createHash } from 'node:crypto';
import { PAGE_MAX, PAGE_MIN, paginate } from './chunk-pages';

const refs = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    hash: createHash('sha256')
      .update(String(from + i))
      .digest('hex'),
    size: 100,
  }));

describe('paginate', () => {
  it('keeps every ref in order across sealed pages and the open tail', () => {
    const all = refs(1000);
    const { sealed, open } = paginate(all);
    expect([...sealed.flat(), ...open]).toEqual(all);
    expect(sealed.length).toBeGreaterThan(10);
    sealed.forEach((page) => {
      expect(page.length).toBeGreaterThanOrEqual(PAGE_MIN);
      expect(page.length).toBeLessThanOrEqual(PAGE_MAX);
    });
  });

  it('appending never changes a sealed page: paging the tail plus new refs continues the same pages', () => {
    const all = refs(1500);
    const whole = paginate(all);
    const first = paginate(all.slice(0, 700));
    expect(paginate(all.slice(0, PAGE_MIN - 1)).sealed).toEqual([]);
    const continued = paginate([...first.open, ...all.slice(700)]);
    expect([...first.sealed, ...continued.sealed]).toEqual(whole.sealed);
    expect(continued.open).toEqual(whole.open);
  });
});
