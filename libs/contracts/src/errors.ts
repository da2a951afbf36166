/**
 * A request that cannot be served as asked, through no fault of the server: an unknown id, a
 * status that does not allow it, arguments that do not go together. The message tells the
 * caller what to do. Transports answer it as the caller's error (an MCP tool error) and log it
 * at debug level; any other error is the server's, answered alike but logged in full.
 */
export abstract class ClientError extends Error {}

/** Arguments that are each valid but cannot be served together, or not in this state. */
export class InvalidRequest extends ClientError {
  override readonly name = 'InvalidRequest';
}
