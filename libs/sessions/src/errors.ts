import { ClientError, type SessionStatus } from '@app/contracts';

/** No such session for this tenant (also what another tenant's id answers). */
export class SessionNotFound extends ClientError {
  override readonly name = 'SessionNotFound';
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} not found`);
  }
}

/** The session's status does not allow what was asked (e.g. a message to a terminated session). */
export class IllegalTransition extends ClientError {
  override readonly name = 'IllegalTransition';
  constructor(
    readonly sessionId: string,
    readonly from: SessionStatus,
    readonly to: SessionStatus,
  ) {
    super(`session ${sessionId} is ${from} and cannot become ${to}`);
  }
}

/** The session no longer takes messages; start a new one (or fork its last checkpoint). */
export class SessionClosed extends ClientError {
  override readonly name = 'SessionClosed';
  constructor(
    readonly sessionId: string,
    readonly status: SessionStatus,
  ) {
    super(`session ${sessionId} is ${status} and takes no more messages; start a new session`);
  }
}

/** session_respond named a request that waits for nothing: never asked, or its turn ended. */
export class ApprovalNotPending extends ClientError {
  override readonly name = 'ApprovalNotPending';
  constructor(
    readonly sessionId: string,
    readonly requestId: string,
  ) {
    super(
      `permission request ${requestId} is not pending on session ${sessionId}: it was never ` +
        'asked, or its turn ended. Pending requests are the permission_request events without a ' +
        'permission_resolved (session_events).',
    );
  }
}

/** A second answer to a permission request: the first one counts. */
export class ApprovalAlreadyAnswered extends ClientError {
  override readonly name = 'ApprovalAlreadyAnswered';
  constructor(
    readonly requestId: string,
    readonly decision: string,
    readonly by: string,
  ) {
    super(
      `permission request ${requestId} was already answered (${decision}, by ${by}); ` +
        'the first answer counts and this one was not applied',
    );
  }
}
