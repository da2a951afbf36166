export * from './bwrap-launcher';
export * from './errors';
export * from './probe';
