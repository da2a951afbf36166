export * from './approvals';
export * from './errors';
export * from './events';
export * from './jobs';
export * from './keys';
export * from './quotas';
export * from './session';
export * from './tools';
