import { rebindingRefusal } from './loopback-origin';

describe('rebindingRefusal (no-key mode)', () => {
  it.each(['127.0.0.1:3000', 'localhost:3000', 'localhost', '[::1]:3000', '127.0.0.2'])(
    'accepts Host %s',
    (host) => {
      expect(rebindingRefusal({ host })).toBeUndefined();
    },
  );

  it.each([
    'evil.example',
    'evil.example:3000',
    '10.0.0.5:3000',
    'localhost.evil.example',
    '127.0.0.1.nip.io',
  ])('refuses Host %s', (host) => {
    expect(rebindingRefusal({ host })).toMatch(/is not a loopback name/);
  });

  it('refuses a request without Host', () => {
    expect(rebindingRefusal({})).toBe('Missing Host header');
  });

  it('accepts loopback origins and requests without Origin; refuses any other origin', () => {
    const host = '127.0.0.1:3000';
    expect(rebindingRefusal({ host, origin: 'http://localhost:5173' })).toBeUndefined();
    expect(rebindingRefusal({ host, origin: 'https://127.0.0.1' })).toBeUndefined();
    for (const origin of ['http://evil.example', 'null', 'file://', 'chrome-extension://abc']) {
      expect(rebindingRefusal({ host, origin })).toMatch(/is not a loopback origin/);
    }
  });
});
