export * from './embedded-redis';
export * from './redis-connection';
