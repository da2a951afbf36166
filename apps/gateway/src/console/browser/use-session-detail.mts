import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, type ApiClient } from './api-client.mts';
import type { Checkpoint, SessionDetail } from './api-types.mts';

export interface DetailState {
  detail?: SessionDetail;
  checkpoints: Checkpoint[];
  notFound: boolean;
  error?: string;
}

/** Between refreshes driven by events: catches what no event announces (e.g. hibernation). */
const FALLBACK_MS = 15_000;

/**
 * The session's status, turns, cost and checkpoints: read when the page opens, again after each
 * event that changes them (`changes`), and every 15 s.
 */
export function useSessionDetail(api: ApiClient, sessionId: string, changes: number): DetailState {
  const [state, setState] = useState<DetailState>({ checkpoints: [], notFound: false });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), FALLBACK_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    let current = true;
    Promise.all([api.session(sessionId), api.checkpoints(sessionId)])
      .then(([detail, list]) => {
        if (current) setState({ detail, checkpoints: list.checkpoints, notFound: false });
      })
      .catch((failure: unknown) => {
        if (!current) return;
        const notFound = failure instanceof ApiFailure && failure.status === 404;
        const error = failure instanceof Error ? failure.message : String(failure);
        setState((s) => ({ ...s, notFound, error: notFound ? undefined : error }));
      });
    return () => {
      current = false;
    };
  }, [api, sessionId, changes, tick]);

  return state;
}
