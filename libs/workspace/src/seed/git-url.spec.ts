import { SeedRejected } from './errors';
import { checkRemoteAddress, parseGitRemote, redactUrl } from './git-url';

function reasonOf(url: string, allowed: string[]): string {
  try {
    parseGitRemote(url, allowed);
    return 'allowed';
  } catch (err) {
    return err instanceof SeedRejected ? err.reason : 'not-a-seed-error';
  }
}

describe('parseGitRemote', () => {
  it.each([
    ['https://github.com/org/repo.git', ['https://']],
    ['https://github.com/org/repo.git', ['https://github.com/']],
    ['https://github.com/org/repo.git', ['https://github.com']],
    ['https://GitHub.com/org/repo.git', ['https://github.com/org/']],
    ['https://github.com/org', ['https://github.com/org']],
    ['file:///srv/repos/a.git', ['file://']],
    ['file:///srv/repos/a.git', ['file:///srv/repos/']],
    ['ssh://git@github.com/org/repo.git', ['ssh://github.com/', 'ssh://git@github.com/']],
    ['ssh://git@github.com/org/repo.git', ['ssh://']],
  ])('allows %s under %j', (url, allowed) => {
    expect(reasonOf(url, allowed)).toBe('allowed');
  });

  it.each([
    ['http://github.com/org/repo.git', ['https://'], 'url_not_allowed'],
    ['file:///etc/x', ['https://'], 'url_not_allowed'],
    ['https://github.com.evil.com/x.git', ['https://github.com'], 'url_not_allowed'],
    ['https://github.com:8443/x.git', ['https://github.com'], 'url_not_allowed'],
    ['https://github.com/org-evil/x.git', ['https://github.com/org'], 'url_not_allowed'],
    ['https://github.com/org/../evil/x.git', ['https://github.com/org/'], 'url_not_allowed'],
    ['https://github.com/org/%2e%2e/evil/x.git', ['https://github.com/org/'], 'url_not_allowed'],
    ['file:///srv/other/a.git', ['file:///srv/repos/'], 'url_not_allowed'],
    ['git@github.com:org/repo.git', ['https://', 'ssh://'], 'url_not_allowed'],
    ['ext::sh -c touch% /tmp/pwned', ['ext::'], 'url_not_allowed'],
    ['ssh://-oProxyCommand=touch%20x/repo', ['ssh://'], 'url_not_allowed'],
    ['https://user:secret@github.com/x.git', ['https://'], 'url_credentials'],
    ['https://token@github.com/x.git', ['https://'], 'url_credentials'],
    ['https://github.com@evil.com/x.git', ['https://github.com'], 'url_credentials'],
    ['ssh://git:pw@github.com/x.git', ['ssh://'], 'url_credentials'],
  ])('refuses %s under %j (%s)', (url, allowed, reason) => {
    expect(reasonOf(url, allowed)).toBe(reason);
  });

  it('never repeats credentials in its message', () => {
    expect(() => parseGitRemote('https://me:hunter2@github.com/x.git', ['https://'])).toThrow(
      /^(?!.*hunter2).*credentials/,
    );
  });

  it('reports whether a prefix names the host', () => {
    expect(
      parseGitRemote('https://10.0.0.5/x.git', ['https://', 'https://10.0.0.5/']).hostNamed,
    ).toBe(true);
    expect(parseGitRemote('https://10.0.0.5/x.git', ['https://']).hostNamed).toBe(false);
  });
});

describe('checkRemoteAddress', () => {
  const reason = async (url: string, allowed = ['https://']): Promise<string> =>
    checkRemoteAddress(parseGitRemote(url, allowed)).then(
      () => 'allowed',
      (err: unknown) => (err instanceof SeedRejected ? err.reason : String(err)),
    );

  it.each([
    'https://127.0.0.1/x.git',
    'https://169.254.169.254/',
    'https://[::1]/x.git',
    'https://[::ffff:169.254.169.254]/x.git',
    'https://2130706433/x.git',
    'https://0x7f.1/x.git',
    'https://localhost/x.git',
    'https://10.1.2.3/x.git',
  ])('refuses %s as private', async (url) => {
    expect(await reason(url)).toBe('private_address');
  });

  it('skips the check for a host an allowed prefix names', async () => {
    expect(await reason('https://10.0.0.5/x.git', ['https://10.0.0.5/'])).toBe('allowed');
  });

  it('refuses a host that does not resolve', async () => {
    expect(await reason('https://no-such-host.invalid/x.git')).toBe('host_not_found');
  });
});

describe('redactUrl', () => {
  it('scrubs user:password@ from text', () => {
    expect(redactUrl("fatal: unable to access 'https://u:p@h/x/': 403")).toBe(
      "fatal: unable to access 'https://***@h/x/': 403",
    );
  });
});
