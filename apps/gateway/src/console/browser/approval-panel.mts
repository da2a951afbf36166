import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.mts';
import type { Decision } from './api-types.mts';
import type { Item } from './conversation.mts';
import { countdown, pretty } from './format.mts';

type Approval = Extract<Item, { kind: 'approval' }>;

/** Claude waits on these: shown above everything until answered, by anyone, or withdrawn. */
export function ApprovalPanel(props: {
  api: ApiClient;
  sessionId: string;
  pending: readonly Approval[];
}): ComponentChild {
  if (props.pending.length === 0) return null;
  return h(
    'section',
    { class: 'approvals', 'aria-label': 'Waiting for your answer' },
    props.pending.map((request) => h(ApprovalCard, { ...props, request, key: request.requestId })),
  );
}

function ApprovalCard(props: {
  api: ApiClient;
  sessionId: string;
  request: Approval;
}): ComponentChild {
  const { request } = props;
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const now = useClock();

  const answer = async (decision: Decision) => {
    setBusy(true);
    setError(undefined);
    try {
      await props.api.respond(
        props.sessionId,
        request.requestId,
        decision,
        decision === 'deny' ? reason : undefined,
      );
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  };

  return h('article', { class: 'approval', 'data-request-id': request.requestId }, [
    h('h2', {}, ['Claude asks to use ', h('span', { class: 'tool-name' }, request.tool)]),
    h('pre', { class: 'approval-input' }, pretty(request.input)),
    request.deadline
      ? h(
          'p',
          { class: 'muted small' },
          `Denied automatically in ${countdown(request.deadline, now)} without an answer.`,
        )
      : null,
    h('div', { class: 'actions' }, [
      h(
        'button',
        { type: 'button', class: 'allow', disabled: busy, onClick: () => answer('allow') },
        'Allow',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'allow-session',
          disabled: busy,
          title: 'Allow this call and every identical one for the rest of the session',
          onClick: () => answer('allow_session'),
        },
        'Allow for session',
      ),
      h('input', {
        class: 'reason',
        placeholder: 'Reason (optional, told to Claude)',
        'aria-label': 'Reason for denying',
        value: reason,
        onInput: (e: Event) => setReason((e.currentTarget as HTMLInputElement).value),
      }),
      h(
        'button',
        { type: 'button', class: 'deny', disabled: busy, onClick: () => answer('deny') },
        'Deny',
      ),
    ]),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
  ]);
}

function useClock(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
