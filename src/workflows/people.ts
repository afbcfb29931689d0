// Asking people: a question with a window and a default, put to the roles the plan's
// authority names (Slack buttons, API, CLI), settled by the plan's quorum or by the clock.
import { condition } from '@temporalio/workflow';
import type { ApprovalDecision, ApprovalRequest } from '../adapters/slack';
import { parseDuration } from '../plan/duration';
import type { Plan } from '../plan/schema';
import { peopleInRoles } from '../policy/approvers';
import { tally } from '../policy/authority';
import { isPerson } from '../policy/deciders';
import { workflowNow } from './clock';
import type { IncidentState } from './incidentState';
import { send, type Sent } from './notify';

export interface Question {
  subject: string;
  roles: string[];
  quorum: 'any' | 'all';
  window: string;
  default: 'rollback' | 'hold';
  summary: string;
}

export interface Answer {
  choice: 'rollback' | 'hold';
  /** The person who settled it, or "clock". */
  by: string;
  reason: string;
}

function approvalDecision(answer: Answer): ApprovalDecision {
  if (!isPerson(answer.by)) return { verdict: 'timed-out' };
  return { verdict: answer.choice === 'rollback' ? 'approved' : 'rejected', userId: answer.by };
}

/** Posts the question with its buttons; undefined when the plan names no Slack channel. */
async function postRequest(plan: Plan, state: IncidentState, request: ApprovalRequest, roles: string[]): Promise<Sent | undefined> {
  const slack = plan.notifications.slack;
  if (!slack) return undefined;
  return send(state, 'Slack approval request', slack.channel, (activities) =>
    activities.requestApproval.executeWithOptions({ summary: `Ask ${roles.join(', ')} in ${slack.channel}` }, [{ channel: slack.channel, request }]),
  );
}

/** Replaces the buttons with the answer, chained on the request: the update needs its ts. */
async function showDecision(state: IncidentState, posted: Sent, request: ApprovalRequest, answer: Answer): Promise<void> {
  if (!state.notifiersBeside) {
    // Older runs updated only a request that had been delivered, and recorded nothing otherwise.
    const message = await posted.delivery;
    if (!message?.channel || !message.ts) return;
  }
  const channel = state.input.plan.notifications.slack!.channel;
  await send(state, 'Slack approval update', channel, async (activities) => {
    const message = await posted.delivery;
    if (!message?.channel || !message.ts) return { sent: false, reason: 'the approval request never reached Slack' };
    return activities.showDecision.executeWithOptions({ summary: 'Show the decision on the approval request' }, [
      { channel: message.channel, ts: message.ts, request, decision: approvalDecision(answer) },
    ]);
  });
}

/**
 * Asks and waits for the answer. The window starts when the question is recorded and ends at
 * the deadline announced (in status and in Slack), whatever Slack does; runs from before the
 * notifier patch waited for the Slack post first.
 */
export async function ask(state: IncidentState, question: Question): Promise<Answer> {
  const { plan, incidentId, service, trigger } = state.input;
  const windowMs = parseDuration(question.window);
  const people = peopleInRoles(plan, question.roles);
  const deadline = workflowNow(windowMs);
  state.question = { ...question, people, deadline, votes: [] };
  state.record(`approval requested: ${question.subject}`, `${question.roles.join(', ')} until ${deadline}; default ${question.default}`);
  const request: ApprovalRequest = {
    incidentId,
    plan: plan.name,
    service,
    trigger,
    summary: question.summary,
    approverIds: people,
    deadline,
    defaultAction: question.default,
  };
  const posted = await postRequest(plan, state, request, question.roles);

  const authority = { system: false, roles: question.roles, quorum: question.quorum };
  const settled = () => (state.question ? tally(plan, authority, state.question.votes) : undefined);
  await condition(() => settled() !== undefined, windowMs, { summary: `${question.subject}: window ${question.window}, default ${question.default}` });

  const votes = state.question?.votes ?? [];
  const choice = settled();
  const answer: Answer =
    choice === undefined
      ? { choice: question.default, by: 'clock', reason: `nobody decided within ${question.window}; plan default is ${question.default}` }
      : (() => {
          const decisive = [...votes].reverse().find((v) => v.choice === choice)!;
          const reason = votes.length === 1 ? decisive.reason : votes.map((v) => `${v.person}: ${v.reason}`).join('; ');
          return { choice, by: decisive.person, reason };
        })();
  state.question = undefined;
  if (posted) await showDecision(state, posted, request, answer);
  return answer;
}
