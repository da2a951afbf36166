import { ApprovalAlreadyAnswered } from '@app/sessions';
import type { SessionRespondArgs } from '@app/contracts';
import {
  approvalForm,
  decisionOf,
  elicitingAsker,
  type ApprovalPrompt,
} from './approval-elicitation';

const bash: ApprovalPrompt = {
  requestId: 'r1',
  tool: 'Bash',
  input: { command: 'npm test' },
  deadline: Date.now() + 60_000,
};
const question: ApprovalPrompt = {
  requestId: 'r2',
  tool: 'AskUserQuestion',
  input: {},
  deadline: Date.now() + 60_000,
  questions: [{ question: 'Which colour?', options: [{ label: 'red' }, { label: 'blue' }] }],
};

describe('approval elicitation', () => {
  it('asks a tool prompt for a decision and a note', () => {
    const form = approvalForm(bash);
    expect(form).toMatchObject({
      mode: 'form',
      message: 'Claude wants to run Bash: npm test',
      requestedSchema: { required: ['decision'] },
    });
  });

  it('maps accept to the chosen decision, anything else to deny', () => {
    expect(decisionOf({ action: 'accept', content: { decision: 'allow_session' } }, bash)).toEqual({
      decision: 'allow_session',
    });
    expect(decisionOf({ action: 'decline' }, bash)).toMatchObject({ decision: 'deny' });
    expect(decisionOf({ action: 'cancel' }, bash)).toMatchObject({ decision: 'deny' });
    expect(decisionOf(undefined, bash)).toMatchObject({ decision: 'deny' });
    expect(decisionOf({ action: 'accept', content: { decision: 'maybe' } }, bash)).toMatchObject({
      decision: 'deny',
    });
  });

  it('asks AskUserQuestion’s questions and answers with the labels chosen', () => {
    const form = approvalForm(question);
    expect(form.requestedSchema.properties.q0).toMatchObject({
      title: 'Which colour?',
      oneOf: [
        { const: 'red', title: 'red' },
        { const: 'blue', title: 'blue' },
      ],
    });
    expect(decisionOf({ action: 'accept', content: { q0: 'blue' } }, question)).toEqual({
      decision: 'allow',
      answers: { 'Which colour?': 'blue' },
    });
  });

  it('drops a late answer without a word (another client answered first)', async () => {
    const answered: SessionRespondArgs[] = [];
    const ask = elicitingAsker(
      {
        mcpReq: { send: async () => ({ action: 'accept', content: { decision: 'deny' } }) },
      } as never,
      async (args) => {
        answered.push(args);
        throw new ApprovalAlreadyAnswered('r1', 'allow', 'client');
      },
    );
    await expect(ask('s1', bash, new AbortController().signal)).resolves.toBeUndefined();
    expect(answered).toEqual([{ sessionId: 's1', requestId: 'r1', decision: 'deny' }]);
  });
});
