export * from './log-format';
export * from './logger';
export * from './shutdown';
