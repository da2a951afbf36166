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
