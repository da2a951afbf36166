import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined members, adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: 'x' })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":"x"}',
    );
  });

  it('gives equal bytes for equal values built in a different order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });

  it('refuses values JSON cannot hold faithfully', () => {
    expect(() => canonicalJson({ a: { b: Number.NaN } })).toThrow(/\$\.a\.b is NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});
