export * from './queue-telemetry';
export * from './spans';
export * from './tracing';
export * from './tracing.module';
