export * from './app-config';
export * from './config.schema';
export * from './config.module';
export * from './errors';
export * from './tenant-limits';
export * from './webhooks-variable';
