import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isPortOpen } from './net';

/** A daemon that exists answers /_ping in milliseconds; longer means it is wedged or remote and slow. */
const PROBE_TIMEOUT_MS = 1_500;

export type DockerEndpoint =
  { kind: 'socket'; path: string } | { kind: 'tcp'; host: string; port: number; tls: boolean };

/**
 * Jest gives each test file its own module registry, so this caches per test file, not per worker;
 * the probe is cheap enough (one local request) that sharing it wider isn't worth patching globals.
 */
let cached: Promise<boolean> | undefined;

/**
 * Whether a Docker engine answers, so testcontainers can be used. TEST_SERVICES_DOCKER=0 turns
 * containers off (always use local processes); =1 skips the probe and trusts testcontainers.
 */
export function isDockerAvailable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const forced = env.TEST_SERVICES_DOCKER?.trim().toLowerCase();
  if (forced === '0' || forced === 'false' || forced === 'no') return Promise.resolve(false);
  if (forced === '1' || forced === 'true' || forced === 'yes') return Promise.resolve(true);
  if (env !== process.env) return probeDocker(env);
  cached ??= probeDocker(env);
  return cached;
}

/** Uncached probe: the first candidate endpoint that answers decides. */
export async function probeDocker(
  env: NodeJS.ProcessEnv,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<boolean> {
  for (const endpoint of dockerEndpoints(env)) {
    if (await pingEndpoint(endpoint, timeoutMs)) return true;
  }
  return false;
}

/** DOCKER_HOST if set (testcontainers honours it too), else the usual local sockets that exist. */
export function dockerEndpoints(env: NodeJS.ProcessEnv): DockerEndpoint[] {
  const host = env.DOCKER_HOST?.trim();
  if (host) {
    const parsed = parseDockerHost(host, Boolean(env.DOCKER_TLS_VERIFY || env.DOCKER_CERT_PATH));
    return parsed ? [parsed] : [];
  }
  const home = os.homedir();
  const candidates = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR && path.join(env.XDG_RUNTIME_DIR, 'docker.sock'),
    path.join(home, '.docker/run/docker.sock'),
    path.join(home, '.docker/desktop/docker.sock'),
    path.join(home, '.colima/default/docker.sock'),
    path.join(home, '.rd/docker.sock'),
  ];
  return candidates
    .filter((p): p is string => Boolean(p) && fs.existsSync(p as string))
    .map((p) => ({ kind: 'socket', path: p }));
}

function parseDockerHost(value: string, tls: boolean): DockerEndpoint | undefined {
  if (value.startsWith('unix://')) return { kind: 'socket', path: value.slice('unix://'.length) };
  const match = /^(?:tcp|http|https):\/\/([^:/]+):(\d+)/.exec(value);
  if (!match) return undefined;
  return {
    kind: 'tcp',
    host: match[1],
    port: Number(match[2]),
    tls: tls || value.startsWith('https'),
  };
}

function pingEndpoint(endpoint: DockerEndpoint, timeoutMs: number): Promise<boolean> {
  // Speaking TLS to a secured daemon needs its certificates; a listening port is enough of a hint.
  if (endpoint.kind === 'tcp' && endpoint.tls)
    return isPortOpen(endpoint.host, endpoint.port, timeoutMs);
  const target =
    endpoint.kind === 'socket'
      ? { socketPath: endpoint.path }
      : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve) => {
    const req = http.get(
      { ...target, path: '/_ping', signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.once('error', () => resolve(false));
  });
}
