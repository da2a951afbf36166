export * from './messages-stub';
export * from './services';
