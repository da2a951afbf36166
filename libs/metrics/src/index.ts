export * from './gateway-metrics';
export * from './metrics-registry';
export * from './metrics.controller';
export * from './metrics.module';
export * from './tenant-labels';
export * from './worker-metrics';
