import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eventually } from '@app/testing/eventually';
import { checkSeed, materializeSeed } from './index';
import { expectNothingLeft, expectRejected, git, limits, scratch } from './spec/fixtures';

/** A bare repository: main (2 commits, tag v1 on the first), branch feature, exec file, symlink. */
async function makeRepos(
  root: string,
): Promise<{ url: string; evilUrl: string; firstSha: string; mainSha: string }> {
  const work = join(root, 'work');
  await mkdir(work);
  git(['init', '-q', '-b', 'main', work]);
  await writeFile(join(work, 'README.md'), '# seeded\n');
  await writeFile(join(work, 'run.sh'), '#!/bin/sh\necho run\n');
  await chmod(join(work, 'run.sh'), 0o755);
  await mkdir(join(work, 'docs'));
  await symlink('../README.md', join(work, 'docs/readme-link'));
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'first'], work);
  const firstSha = git(['rev-parse', 'HEAD'], work);
  git(['tag', 'v1'], work);
  git(['checkout', '-q', '-b', 'feature'], work);
  await writeFile(join(work, 'feature.txt'), 'feature\n');
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'feature'], work);
  git(['checkout', '-q', 'main'], work);
  await writeFile(join(work, 'second.txt'), 'second\n');
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'second'], work);
  const mainSha = git(['rev-parse', 'HEAD'], work);
  const bare = join(root, 'repo.git');
  git(['init', '-q', '--bare', '-b', 'main', bare]);
  git(['push', '-q', bare, 'main', 'feature', 'v1'], work);

  const evil = join(root, 'evil-work');
  git(['init', '-q', '-b', 'main', evil]);
  await symlink('../../../../etc/passwd', join(evil, 'escape'));
  git(['add', '-A'], evil);
  git(['commit', '-q', '-m', 'evil'], evil);
  const evilBare = join(root, 'evil.git');
  git(['clone', '-q', '--bare', evil, evilBare]);
  return {
    url: pathToFileURL(bare).href,
    evilUrl: pathToFileURL(evilBare).href,
    firstSha,
    mainSha,
  };
}

describe('git seed', () => {
  let repos: Awaited<ReturnType<typeof makeRepos>>;
  let reposRoot: string;
  let tmp: Awaited<ReturnType<typeof scratch>>;
  const fileOk = limits({ gitAllowedUrls: ['https://', 'file://'], gitTimeoutMs: 20_000 });

  beforeAll(async () => {
    reposRoot = await mkdtemp(join(tmpdir(), 'seed-repos-'));
    repos = await makeRepos(reposRoot);
  });
  afterAll(() => rm(reposRoot, { recursive: true, force: true }));
  beforeEach(async () => (tmp = await scratch()));
  afterEach(() => tmp.cleanup());

  const at = (p: string): string => join(tmp.target, p);
  const head = (): string => git(['rev-parse', 'HEAD'], tmp.target);

  it('clones the default branch shallowly, with an executable and a symlink', async () => {
    await checkSeed({ git: { url: repos.url } }, fileOk);
    const totals = await materializeSeed({ git: { url: repos.url } }, tmp.target, fileOk);
    expect(await readFile(at('README.md'), 'utf8')).toBe('# seeded\n');
    expect(await readFile(at('second.txt'), 'utf8')).toBe('second\n');
    expect((await stat(at('run.sh'))).mode & 0o111).toBe(0o111);
    expect(await readlink(at('docs/readme-link'))).toBe('../README.md');
    expect(head()).toBe(repos.mainSha);
    expect(git(['rev-list', '--count', 'HEAD'], tmp.target)).toBe('1');
    expect(totals.files).toBeGreaterThan(4); // .git counts too
    expect(totals.bytes).toBeGreaterThan(0);
    expect(await readdir(tmp.parent)).toEqual(['ws']);
  });

  it('clones a branch given as ref', async () => {
    await materializeSeed({ git: { url: repos.url, ref: 'feature' } }, tmp.target, fileOk);
    expect(await readFile(at('feature.txt'), 'utf8')).toBe('feature\n');
  });

  it('clones a tag given as ref', async () => {
    await materializeSeed({ git: { url: repos.url, ref: 'v1' } }, tmp.target, fileOk);
    expect(head()).toBe(repos.firstSha);
    await expect(stat(at('second.txt'))).rejects.toThrow('ENOENT');
  });

  it('checks out a full commit SHA given as ref', async () => {
    await materializeSeed({ git: { url: repos.url, ref: repos.firstSha } }, tmp.target, fileOk);
    expect(head()).toBe(repos.firstSha);
    expect(await readFile(at('README.md'), 'utf8')).toBe('# seeded\n');
    expect(git(['remote', 'get-url', 'origin'], tmp.target)).toBe(repos.url);
  });

  it('refuses file:// unless a prefix allows it', async () => {
    await expectRejected(checkSeed({ git: { url: repos.url } }, limits()), 'url_not_allowed');
    await expectRejected(
      materializeSeed({ git: { url: repos.url } }, tmp.target, limits()),
      'url_not_allowed',
    );
    await expectNothingLeft(tmp.parent);
  });

  it.each([
    'https://127.0.0.1/x.git',
    'https://169.254.169.254/',
    'https://[::1]/x.git',
    'git://10.0.0.1/x.git',
  ])('refuses %s as a private address before running git', async (url) => {
    const allowed = limits({ gitAllowedUrls: ['https://', 'git://'] });
    await expectRejected(checkSeed({ git: { url } }, allowed), 'private_address');
    await expectRejected(materializeSeed({ git: { url } }, tmp.target, allowed), 'private_address');
    await expectNothingLeft(tmp.parent);
  });

  it('lets a prefix that names a private host through (git then fails to connect)', async () => {
    const allowed = limits({
      gitAllowedUrls: ['https://', 'https://127.0.0.1:9/'],
      gitTimeoutMs: 10_000,
    });
    const seed = { git: { url: 'https://127.0.0.1:9/x.git' } };
    await checkSeed(seed, allowed);
    const err = await expectRejected(materializeSeed(seed, tmp.target, allowed), 'git_failed');
    expect(err.message).toMatch(
      /git clone of https:\/\/127\.0\.0\.1:9\/x\.git failed: .*(connect|Connection refused)/,
    );
    await expectNothingLeft(tmp.parent);
  });

  it('refuses a URL with credentials without echoing them', async () => {
    const seed = { git: { url: 'https://alice:s3cret@github.com/org/repo.git' } };
    const err = await expectRejected(checkSeed(seed, limits()), 'url_credentials');
    expect(err.message).not.toContain('s3cret');
    await expectRejected(materializeSeed(seed, tmp.target, limits()), 'url_credentials');
    await expectNothingLeft(tmp.parent);
  });

  it('refuses and removes a checkout whose symlink escapes', async () => {
    const err = await expectRejected(
      materializeSeed({ git: { url: repos.evilUrl } }, tmp.target, fileOk),
      'link_escape',
    );
    expect(err.path).toBe('escape');
    await expectNothingLeft(tmp.parent);
  });

  it("reports a ref that does not exist with git's own message", async () => {
    const err = await expectRejected(
      materializeSeed({ git: { url: repos.url, ref: 'no-such-branch' } }, tmp.target, fileOk),
      'git_failed',
    );
    expect(err.message).toContain('no-such-branch');
    expect(err.message).toMatch(/not found/);
    await expectNothingLeft(tmp.parent);
  });

  it('reports an unknown commit SHA', async () => {
    const seed = { git: { url: repos.url, ref: 'a'.repeat(40) } };
    await expectRejected(materializeSeed(seed, tmp.target, fileOk), 'git_failed');
    await expectNothingLeft(tmp.parent);
  });

  it.each(['--upload-pack=touch /tmp/x', 'main..feature', 'HEAD@{1}', 'a b'])(
    'refuses the ref %j',
    async (ref) => {
      await expectRejected(checkSeed({ git: { url: repos.url, ref } }, fileOk), 'invalid_ref');
    },
  );

  it('refuses a checkout over the byte limit and removes it', async () => {
    const small = { ...fileOk, maxBytes: 100 };
    await expectRejected(
      materializeSeed({ git: { url: repos.url } }, tmp.target, small),
      'too_large',
    );
    await expectNothingLeft(tmp.parent);
  });

  describe('against a server that never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    let closed = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.resume(); // read the request (and so the end of the connection), never answer
        socket.on('close', () => closed++);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    const seedFor = (): { git: { url: string } } => ({
      git: { url: `http://127.0.0.1:${port}/x.git` },
    });
    const allowed = (timeoutMs: number): ReturnType<typeof limits> =>
      limits({ gitAllowedUrls: [`http://127.0.0.1:${port}/`], gitTimeoutMs: timeoutMs });

    it('kills git at the timeout and leaves nothing', async () => {
      const before = closed;
      const started = Date.now();
      const err = await expectRejected(
        materializeSeed(seedFor(), tmp.target, allowed(1000)),
        'git_timeout',
      );
      expect(err.message).toContain('1000 ms');
      expect(Date.now() - started).toBeLessThan(5000);
      await expectNothingLeft(tmp.parent);
      // The connection drops: git's http helper died with it (the whole process group was killed).
      await eventually("git's connection to close", () => closed > before, 3_000);
    });

    it('stops when aborted and leaves nothing', async () => {
      const controller = new AbortController();
      const [connected, closedBefore] = [sockets.size, closed];
      const seeding = materializeSeed(seedFor(), tmp.target, allowed(20_000), {
        signal: controller.signal,
      });
      await eventually('git to connect', () => sockets.size > connected);
      controller.abort(new Error('session terminated'));
      await expect(seeding).rejects.toThrow('session terminated');
      await expectNothingLeft(tmp.parent);
      await eventually("git's connection to close", () => closed > closedBefore, 3_000);
    });
  });
});
