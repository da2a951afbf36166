export { START_CURSOR } from './codec';
export * from './errors';
export {
  EventRelay,
  type EventHandler,
  type EventRelayOptions,
  type RelayReadOptions,
} from './event-relay';
export {
  followStream,
  POLLING,
  type FollowSettings,
  type FollowSource,
  type FollowWaker,
} from './follow-stream';
export {
  EventWriter,
  type EventSink,
  type EventWriterOptions,
  type EventWriterStats,
} from './event-writer';
export { SessionEventSource } from './session-event-source';
export {
  DEFAULT_INLINE_NOTIFY_BYTES,
  DEFAULT_MAX_LEN,
  MAX_READ_LIMIT,
  SessionEventLog,
  type EventPage,
  type ReadOptions,
  type SessionEventLogOptions,
} from './session-event-log';
