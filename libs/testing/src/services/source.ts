import { TestServiceConfigInvalid } from './errors';
import { isDockerAvailable } from './docker';

/** Where a test service comes from: the environment, a Docker container, or a private local process. */
export type ServiceSource = 'env' | 'container' | 'local';

export interface SourceOptions {
  /** Force one source instead of env → container → local. */
  source?: ServiceSource;
  /** The suite stops/kills/restarts the service, so a shared server from the environment won't do. */
  faultInjection?: boolean;
  /** Environment to read instead of process.env (lets specs exercise the env path safely). */
  env?: NodeJS.ProcessEnv;
}

/** An empty variable (`FOO=`) means unset, matching libs/config. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export async function chooseSource(opts: SourceOptions, envVar: string): Promise<ServiceSource> {
  const env = opts.env ?? process.env;
  if (opts.source === 'env' && !envValue(env, envVar)) {
    throw new TestServiceConfigInvalid(`source 'env' was requested but ${envVar} is not set`);
  }
  if (opts.source) return opts.source;
  if (envValue(env, envVar) && !opts.faultInjection) return 'env';
  return (await isDockerAvailable(env)) ? 'container' : 'local';
}

/** Lowercase [a-z0-9-] label, short enough to fit in a bucket name with a random suffix. */
export function sanitizeLabel(label: string | undefined): string {
  const clean = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  return clean || 'suite';
}
