export * from './cluster-mode';
export * from './embedded-redis';
export * from './hash-tag';
export * from './redis-connection';
