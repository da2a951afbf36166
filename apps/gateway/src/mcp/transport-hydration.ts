import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** The private state of the SDK's inner web-standard transport that decides "initialized". */
interface InitializationState {
  sessionId?: string;
  _initialized: boolean;
}

/** The installed SDK no longer has the private fields hydration relies on. */
export class TransportHydrationUnsupported extends Error {
  override readonly name = 'TransportHydrationUnsupported';
  constructor(detail: string) {
    super(
      `cannot serve an existing MCP session on a new transport: ${detail}. ` +
        'The @modelcontextprotocol/sdk upgrade changed StreamableHTTPServerTransport internals; ' +
        'use its public session-restore option if it has one now (SDK issues #1658, #1882) and update transport-hydration.ts.',
    );
  }
}

/**
 * Makes a fresh stateful transport serve `sessionId` as if it had handled that session's
 * `initialize` itself, so any replica can serve a session another replica issued.
 *
 * SDK 1.32 has no public API for this (issues #1658 / #1882; PRs #1668 and #1786 proposed an
 * `existingSessionId`/`sessionId` option). The known workaround sets the inner web-standard
 * transport's `sessionId` and `_initialized`, which is all its validateSession() checks. Both are
 * private: this function checks they still look as expected and throws otherwise, and
 * transport-hydration.spec.ts serves a real request through a hydrated transport.
 */
export function hydrateTransport(
  transport: StreamableHTTPServerTransport,
  sessionId: string,
): void {
  // Narrow cast to reach the SDK's private field (see above); nothing else touches it.
  const inner = (transport as unknown as { _webStandardTransport?: unknown })._webStandardTransport;
  if (typeof inner !== 'object' || inner === null) {
    throw new TransportHydrationUnsupported('the inner _webStandardTransport is missing');
  }
  const state = inner as Partial<InitializationState>;
  if (state._initialized !== false) {
    throw new TransportHydrationUnsupported(
      'the private _initialized flag is missing or already set',
    );
  }
  if (state.sessionId !== undefined) {
    throw new TransportHydrationUnsupported('the transport already has a session id');
  }
  state.sessionId = sessionId;
  state._initialized = true;
  if (transport.sessionId !== sessionId) {
    throw new TransportHydrationUnsupported(
      'the transport does not report the hydrated session id',
    );
  }
}
