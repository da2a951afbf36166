export * from './tree';
export * from './seed';
