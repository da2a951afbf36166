/** Bounds a seed must respect; the values come from the validated config (WORKSPACE_*, GIT_*). */
export interface SeedLimits {
  /** Total bytes of regular files (WORKSPACE_MAX_BYTES). */
  maxBytes: number;
  /** Files and symlinks (WORKSPACE_MAX_FILES); directories are bounded by the same number. */
  maxFiles: number;
  /** URL prefixes a git seed may use (GIT_ALLOWED_URLS), e.g. `https://` or `https://github.com/`. */
  gitAllowedUrls: string[];
  /** Whole clone, DNS check included (GIT_CLONE_TIMEOUT_MS). */
  gitTimeoutMs: number;
  /** Host variables git inherits (PATH, proxies: the config's `host.env`); nothing else is. */
  hostEnv?: Readonly<Record<string, string>>;
}

/** The limits from the config's `workspace` group (gateway and worker read the same ones). */
export function seedLimitsOf(
  workspace: {
    maxBytes: number;
    maxFiles: number;
    gitAllowedUrls: string[];
    gitCloneTimeoutMs: number;
  },
  hostEnv: Readonly<Record<string, string>> = {},
): SeedLimits {
  const { maxBytes, maxFiles, gitAllowedUrls, gitCloneTimeoutMs } = workspace;
  return { maxBytes, maxFiles, gitAllowedUrls, gitTimeoutMs: gitCloneTimeoutMs, hostEnv };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
