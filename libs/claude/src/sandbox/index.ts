export * from './bwrap-launcher';
export * from './egress-bridge';
export * from './egress-policy';
export * from './egress-proxy';
export * from './errors';
export * from './probe';
export * from './resource-limits';
export * from './sandbox-launcher';
