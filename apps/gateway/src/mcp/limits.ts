/** Bounds of the MCP HTTP layer: memory and Redis footprint per request, per session. */

/** Largest JSON-RPC request body accepted on /mcp (the SDK's own default, too). */
export const MCP_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Most messages in one JSON-RPC batch (the SDK's transport refuses more, too). */
export const MCP_MAX_BATCH_MESSAGES = 100;

/**
 * The whole request body must arrive within this long (4 MiB at ~140 KB/s); a body trickling in
 * slower, or stalled, is answered 408 and its connection closed.
 */
export const MCP_BODY_DEADLINE_MS = 30_000;

/**
 * A refused body still arriving is read away for this long before the connection is closed, so the
 * client, still sending, reads the 413 (closing at once resets the connection under it, and the
 * reset takes the answer with it).
 */
export const MCP_REFUSED_BODY_DRAIN_MS = 5_000;

/** An MCP session record lives this long after its last request. */
export const MCP_SESSION_TTL_SECONDS = 24 * 60 * 60;

/** Replayable SSE messages are for reconnects, which come within minutes, not days. */
export const MCP_STREAM_TTL_SECONDS = 60 * 60;

/** Approximate cap on stored messages per SSE stream (a long call's progress notifications). */
export const MCP_STREAM_MAXLEN = 10_000;

/**
 * A replica that resumes a stream another replica still writes to follows it until the call's
 * response arrives; it gives up (closing the stream, so the client reconnects) after this long
 * without a new message.
 */
export const MCP_STREAM_FOLLOW_IDLE_MS = 5 * 60_000;

/** How often such a follow reads the stream for new messages. */
export const MCP_STREAM_FOLLOW_POLL_MS = 25;
