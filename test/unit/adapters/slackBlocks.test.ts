import { expect } from '@jest/globals';
import type { KnownBlock } from '@slack/types';
import { APPROVE_ACTION_ID, approvalBlocks, decisionBlocks, decisionText, REJECT_ACTION_ID, type ApprovalRequest } from '../../../src/adapters/slack';
import { validateBlocks } from '../../support/contracts/slackBlockKit';

const request: ApprovalRequest = {
  incidentId: 'inc-checkout-42',
  plan: 'checkout-canary',
  service: 'checkout',
  trigger: 'error_rate > 0.5% for 2m',
  summary: 'Error rate 2.1% on <canary> & climbing',
  approverIds: ['U01LEAD', 'U02SRE'],
  deadline: '2025-03-01T12:05:00Z',
  defaultAction: 'rollback',
};

function findBlock<T extends KnownBlock['type']>(blocks: KnownBlock[], type: T): Extract<KnownBlock, { type: T }> {
  const block = blocks.find((b): b is Extract<KnownBlock, { type: T }> => b.type === type);
  if (!block) throw new Error(`no ${type} block`);
  return block;
}

describe('approvalBlocks', () => {
  const blocks = approvalBlocks(request);

  it('is valid Block Kit', () => {
    expect(validateBlocks(blocks)).toEqual([]);
  });

  it('offers Approve and Reject buttons that carry the incident id', () => {
    const actions = findBlock(blocks, 'actions');
    expect(actions.block_id).toContain('inc-checkout-42');
    expect(actions.elements).toEqual([
      expect.objectContaining({ type: 'button', action_id: APPROVE_ACTION_ID, style: 'primary', text: expect.objectContaining({ text: 'Approve' }) }),
      expect.objectContaining({ type: 'button', action_id: REJECT_ACTION_ID, style: 'danger', text: expect.objectContaining({ text: 'Reject' }) }),
    ]);
    for (const button of actions.elements)
      expect(button.type === 'button' && (JSON.parse(button.value ?? '') as unknown)).toEqual({ incidentId: 'inc-checkout-42' });
  });

  it('mentions the approvers and states the deadline and the default', () => {
    const context = findBlock(blocks, 'context')
      .elements.map((e) => ('text' in e ? e.text : ''))
      .join('\n');
    expect(context).toContain('<@U01LEAD> <@U02SRE>');
    expect(context).toContain(`<!date^${Date.parse(request.deadline) / 1000}^`);
    expect(context).toContain('|2025-03-01T12:05:00Z>');
    expect(context).toContain('*roll back*');
  });

  it('escapes mrkdwn control characters in alert text', () => {
    expect(findBlock(blocks, 'section').text?.text).toBe('Error rate 2.1% on &lt;canary&gt; &amp; climbing');
  });

  it('stays within Block Kit limits when the alert text is huge', () => {
    const huge = approvalBlocks({ ...request, service: 's'.repeat(500), summary: 'x'.repeat(10_000), trigger: 't'.repeat(5000) });
    expect(validateBlocks(huge)).toEqual([]);
  });
});

describe('decisionBlocks', () => {
  it('replaces the buttons with who decided', () => {
    const blocks = decisionBlocks(request, { verdict: 'approved', userId: 'U01LEAD' });
    expect(validateBlocks(blocks)).toEqual([]);
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(blocks)).toContain('Approved by <@U01LEAD>');
  });

  it('says which default applied when nobody answered', () => {
    expect(decisionText({ ...request, defaultAction: 'hold' }, { verdict: 'timed-out' })).toContain('hold (no rollback)');
    expect(decisionText(request, { verdict: 'rejected', userId: 'U02SRE' })).toContain('Rejected by <@U02SRE>');
  });
});
