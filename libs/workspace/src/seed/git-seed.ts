import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeedRejected } from './errors';
import { runGit } from './git-process';
import { checkRemoteAddress, parseGitRemote, type GitRemote } from './git-url';
import type { SeedLimits } from './seed-limits';
import { scanTree } from './tree-scan';

export interface SeedGit {
  url: string;
  ref?: string;
}

const FULL_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
/** Forwarded so that clusters with an egress proxy can still clone; nothing else is inherited. */
const PROXY_VARS = [
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

/** The checks that need no clone: URL allow-list, credentials, ref syntax, host addresses. */
export async function checkGitSeed(seed: SeedGit, limits: SeedLimits): Promise<void> {
  const remote = parseGitRemote(seed.url, limits.gitAllowedUrls);
  checkRef(seed.ref);
  await withinTimeout(checkRemoteAddress(remote), limits.gitTimeoutMs, remote);
}

/**
 * Shallow-clones the seed into `dir` (an existing empty directory). For a full commit SHA the
 * commit is fetched on its own (servers allow fetching reachable commits by id). Sizes are
 * watched while git writes, so an oversized repository is stopped early.
 */
export async function cloneGitSeed(
  seed: SeedGit,
  dir: string,
  limits: SeedLimits,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + limits.gitTimeoutMs;
  const remote = parseGitRemote(seed.url, limits.gitAllowedUrls);
  const ref = checkRef(seed.ref);
  const addresses = await withinTimeout(checkRemoteAddress(remote), limits.gitTimeoutMs, remote);
  const home = await mkdtemp(join(tmpdir(), 'seed-git-home-'));
  try {
    const describe = `git clone of ${remote.url}${ref ? ` (ref ${ref})` : ''}`;
    const watch = (): Promise<unknown> =>
      scanTree(dir, limits, 'the repository checkout', { countOnly: true });
    const git = (args: string[], watched = true): Promise<void> =>
      runGit({
        args: [...gitConfig(remote, addresses), ...args],
        env: gitEnvironment(home, limits.hostEnv ?? {}),
        deadline,
        timeoutMs: limits.gitTimeoutMs,
        describe,
        signal,
        watch: watched ? watch : undefined,
      });
    if (ref && FULL_SHA.test(ref)) {
      await git(['init', '-q', dir], false);
      await git(['-C', dir, 'remote', 'add', 'origin', remote.url], false);
      await git(['-C', dir, 'fetch', '-q', '--depth', '1', '--no-tags', 'origin', ref]);
      await git(['-C', dir, 'checkout', '-q', '--detach', 'FETCH_HEAD']);
    } else {
      const branch = ref ? ['--branch', ref] : [];
      await git([
        'clone',
        '-q',
        '--depth',
        '1',
        '--no-tags',
        '--single-branch',
        ...branch,
        '--',
        remote.url,
        dir,
      ]);
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** Branch, tag or full SHA; anything git could read as an option or a revision range is refused. */
function checkRef(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  const valid =
    /^[A-Za-z0-9._/+@-]+$/.test(ref) &&
    !ref.startsWith('-') &&
    !ref.startsWith('/') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.lock') &&
    !ref.includes('..') &&
    !ref.includes('//') &&
    !ref.includes('@{');
  if (!valid) {
    throw new SeedRejected(
      'invalid_ref',
      `ref ${JSON.stringify(ref.slice(0, 100))} is not a branch, tag or full commit SHA`,
    );
  }
  return ref;
}

/**
 * `-c` options that no repository or server can override: no hooks, no redirects, only the
 * URL's own protocol, symlinks as symlinks, objects checked, no submodules. For http(s) the
 * host is pinned to the addresses just checked, so a DNS answer that changes in between
 * (rebinding) cannot send git to an internal address.
 */
function gitConfig(remote: GitRemote, addresses: string[]): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'core.symlinks=true',
    'init.templateDir=',
    'credential.helper=',
    'http.followRedirects=false',
    'protocol.allow=never',
    `protocol.${remote.scheme}.allow=always`,
    'transfer.fsckObjects=true',
    'submodule.recurse=false',
    'advice.detachedHead=false',
  ];
  if ((remote.scheme === 'https' || remote.scheme === 'http') && addresses.length > 0) {
    const pinned = addresses.map((a) => (a.includes(':') ? `[${a}]` : a)).join(',');
    settings.push(`http.curloptResolve=${remote.hostname}:${remote.port}:${pinned}`);
  }
  return settings.flatMap((s) => ['-c', s]);
}

function gitEnvironment(home: string, host: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: host.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_LFS_SKIP_SMUDGE: '1',
    LC_ALL: 'C',
  };
  for (const name of PROXY_VARS) if (host[name]) env[name] = host[name];
  return env;
}

async function withinTimeout<T>(work: Promise<T>, ms: number, remote: GitRemote): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SeedRejected('git_timeout', `resolving ${remote.hostname} took longer than ${ms} ms`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
