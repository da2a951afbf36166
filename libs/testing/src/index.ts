export * from './eventually';
export * from './messages-stub';
export * from './services';
