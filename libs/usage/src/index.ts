export * from './budgets';
export * from './usage-ledger';
