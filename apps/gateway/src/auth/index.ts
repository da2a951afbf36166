export * from './loopback-origin';
export * from './request-tenant';
export * from './tenant-auth.middleware';
export * from './tenant-keyring';
