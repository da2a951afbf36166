import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchSpec } from '../launcher';
import type { SandboxExtension } from './bwrap-launcher';
import { SandboxSpecInvalid } from './errors';
import type { EgressPolicy } from './egress-policy';
import { EgressProxy, type EgressLog } from './egress-proxy';

export interface EgressBridgeOptions {
  policy: EgressPolicy;
  log?: EgressLog;
  /** Host directory for the per-session socket directories (default: the OS temp dir). */
  runtimeDir?: string;
  /** The proxy's port on the sandbox's own loopback (default 3128). */
  port?: number;
}

/** Where the session's proxy socket appears inside the sandbox. */
export const EGRESS_SOCKET_IN_SANDBOX = '/run/claude-egress.sock';
export const DEFAULT_EGRESS_PORT = 3128;

// Linux limits a Unix socket path to 107 bytes.
const MAX_SOCKET_PATH = 107;
const BRIDGE_TIMEOUT_TICKS = 500;

/**
 * Runs inside the sandbox as `sh -c BRIDGE sh <port> <socket> <cli> <args...>`: starts socat
 * (loopback port → the worker's Unix socket), waits until it listens, then execs the CLI, so
 * the CLI's first request never races the bridge. Values arrive as positional arguments.
 */
export const EGRESS_BRIDGE_SCRIPT = `port=$1 sock=$2
shift 2
socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock" &
bridge=$!
hex=$(printf '%04X' "$port")
ticks=0
until grep -q ": 0100007F:$hex 00000000:0000 0A" /proc/net/tcp; do
  if ! kill -0 "$bridge" 2>/dev/null; then
    echo "claude sandbox: the egress bridge (socat) exited before listening" >&2
    exit 70
  fi
  ticks=$((ticks + 1))
  if [ "$ticks" -gt ${BRIDGE_TIMEOUT_TICKS} ]; then
    echo "claude sandbox: the egress bridge (socat) did not listen within 5 s" >&2
    exit 70
  fi
  sleep 0.01
done
exec "$@"`;

/**
 * The sandbox extension of `SANDBOX_NETWORK=proxy`: one egress proxy per CLI process, on a
 * Unix socket in a fresh 0700 directory outside every session's files, bind-mounted read-only
 * into the sandbox and bridged to `127.0.0.1:<port>` there. HTTP(S)_PROXY point the CLI (and
 * the tools it runs) at it. A per-process socket dies with its process and names its session
 * in the proxy's log lines.
 */
export function egressBridge(
  options: EgressBridgeOptions,
): (spec: LaunchSpec) => Promise<SandboxExtension> {
  const port = options.port ?? DEFAULT_EGRESS_PORT;
  const proxyUrl = `http://127.0.0.1:${port}`;
  return async (spec) => {
    const dir = await mkdtemp(join(options.runtimeDir ?? tmpdir(), 'claude-egress-'));
    const socketPath = join(dir, 'proxy.sock');
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      await rm(dir, { recursive: true, force: true });
      throw new SandboxSpecInvalid(
        `egress socket path too long (${socketPath}); use a shorter runtime dir`,
      );
    }
    const proxy = await EgressProxy.listen({
      socketPath,
      policy: options.policy,
      log: options.log,
      context: { workspace: spec.workspaceDir },
    }).catch(async (error: unknown) => {
      await rm(dir, { recursive: true, force: true });
      throw error;
    });
    // A sandbox that runs as its own uid must be able to connect; on the host the 0700
    // directory keeps everyone else out.
    await chmod(socketPath, 0o666).catch(() => undefined);
    return {
      bwrapArgs: ['--ro-bind', socketPath, EGRESS_SOCKET_IN_SANDBOX],
      innerPrefix: [
        '/bin/sh',
        '-c',
        EGRESS_BRIDGE_SCRIPT,
        'claude-egress',
        String(port),
        EGRESS_SOCKET_IN_SANDBOX,
      ],
      env: {
        HTTPS_PROXY: proxyUrl,
        HTTP_PROXY: proxyUrl,
        https_proxy: proxyUrl,
        http_proxy: proxyUrl,
        // A NO_PROXY from the worker's environment would send some hosts around the proxy,
        // where the sandbox has no network: cleared.
        NO_PROXY: '',
        no_proxy: '',
      },
      release: async () => {
        await proxy.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}
