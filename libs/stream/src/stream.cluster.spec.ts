import { useTestRedisTarget } from '@app/testing/services';
import { eventRelaySuite } from './spec/event-relay-suite';
import { eventWriterSuite } from './spec/event-writer-suite';
import { sessionEventLogSuite } from './spec/session-event-log-suite';

/** The same suites as on a single Redis, on a Redis Cluster (three masters, a replica each). */
describe('libs/stream on a Redis Cluster', () => {
  const target = useTestRedisTarget({ topology: 'cluster', label: 'stream' });
  describe('SessionEventLog', () => {
    sessionEventLogSuite(target);
  });
  describe('EventWriter', () => {
    eventWriterSuite(target);
  });
  describe('EventRelay', () => {
    eventRelaySuite(target);
  });
});
