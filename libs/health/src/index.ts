export * from './health.controller';
export * from './listen-on';
export * from './readiness';
