export * from './messages-stub';
