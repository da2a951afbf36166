export * from './events';
export * from './session';
