export * from './errors';
export * from './session-store';
export type { SessionPage } from './tenant-index';
