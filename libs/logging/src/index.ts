export * from './log-context';
export * from './log-format';
export * from './logger';
export * from './shutdown';
