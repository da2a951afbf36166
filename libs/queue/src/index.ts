export * from './queue-options';
export * from './turn-queue';
