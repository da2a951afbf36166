export { approvalSignature } from './approval-signature';
export { ApprovalStore, type AnswerOutcome, type Approvals } from './approval-store';
export * from './errors';
export { SessionCensus, type CensusReport } from './session-census';
export { SessionControl, type ControlHandler, type SessionControlOptions } from './session-control';
export { DEFAULT_LEASE_TTL_MS, SessionLeases } from './session-leases';
export {
  newSessionRecord,
  ownSession,
  SessionStore,
  type TurnResultFigures,
} from './session-store';
export type { SessionPage } from './tenant-index';
export * from './tenant-quota-store';
