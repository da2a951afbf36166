import { isPublicAddress } from './address';

describe('isPublicAddress', () => {
  it.each([
    '140.82.112.3',
    '8.8.8.8',
    '2606:4700:4700::1111',
    '64:ff9b::8c52:7003',
    '2002:8c52:7003::1',
  ])('accepts the public address %s', (ip) => expect(isPublicAddress(ip)).toBe(true));

  it.each([
    '127.0.0.1',
    '127.255.0.1',
    '10.0.0.5',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.1',
    '::',
    '::1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe', // NAT64 of 169.254.169.254
    '64:ff9b::10.0.0.1',
    '2002:0a00:0001::1', // 6to4 of 10.0.0.1
    'not-an-ip',
  ])('refuses %s', (ip) => expect(isPublicAddress(ip)).toBe(false));

  it('keeps 172.32/12 neighbours public', () => {
    expect(isPublicAddress('172.32.0.1')).toBe(true);
    expect(isPublicAddress('172.15.255.255')).toBe(true);
  });
});
