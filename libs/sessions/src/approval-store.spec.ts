import { useTestRedisTarget } from '@app/testing/services';
import { MemoryApprovals } from '../../../test/support/memory';
import { approvalSignature } from './approval-signature';
import { ApprovalStore } from './approval-store';
import { approvalStoreContract } from './spec/approval-store-suite';

describe('ApprovalStore (real Redis)', () => {
  const target = useTestRedisTarget({ topology: 'single', label: 'approvals' });
  approvalStoreContract(() => new ApprovalStore(target().client()));
});

describe('MemoryApprovals (the fast specs’ stand-in)', () => {
  approvalStoreContract(() => new MemoryApprovals());
});

describe('approvalSignature', () => {
  it('is the same for the same tool and input in any key order, different otherwise', () => {
    const a = approvalSignature('Bash', { command: 'ls', description: 'list' });
    expect(approvalSignature('Bash', { description: 'list', command: 'ls' })).toBe(a);
    expect(approvalSignature('Bash', { command: 'ls -a', description: 'list' })).not.toBe(a);
    expect(approvalSignature('Write', { command: 'ls', description: 'list' })).not.toBe(a);
  });
});
