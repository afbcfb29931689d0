// POST /v1/slack/interactions: Approve/Reject button clicks. Authenticated by Slack's
// signature (not our bearer token), answered at once — Slack gives up after 3 seconds — and
// decided in the background; a refused click is told to the clicking user only.
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { request as httpRequest } from 'undici';
import { z } from 'zod';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../adapters/slack';
import type { DecisionRequest } from '../../workflows/messages';
import type { ApiDeps } from '../app';
import { submitDecision } from '../decisions';
import { parseBody, RequestError } from '../errors';
import { slackSignatureProblem } from '../slackSignature';

const ButtonValue = z.object({ incidentId: z.string().min(1) });

const BlockActionsPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  response_url: z.url().optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().optional() }))
    .min(1),
});

type ClickDecision = { incidentId: string; request: DecisionRequest; responseUrl?: string };

function decisionFromClick(raw: string): ClickDecision {
  const payloadText = new URLSearchParams(raw).get('payload');
  if (!payloadText) throw new RequestError(400, 'payload', 'an interaction carries a form field "payload"');
  let json: unknown;
  try {
    json = JSON.parse(payloadText);
  } catch {
    throw new RequestError(400, 'payload', 'payload is not JSON');
  }
  const payload = parseBody(BlockActionsPayload, json);
  const action = payload.actions[0]!;
  const verdict = action.action_id === APPROVE_ACTION_ID ? 'approve' : action.action_id === REJECT_ACTION_ID ? 'reject' : undefined;
  if (!verdict) throw new RequestError(400, 'payload.actions[0].action_id', `not a rollback decision button: ${action.action_id}`);
  let value: unknown;
  try {
    value = JSON.parse(action.value ?? '');
  } catch {
    throw new RequestError(400, 'payload.actions[0].value', 'button value is not JSON');
  }
  const { incidentId } = parseBody(ButtonValue, value);
  return {
    incidentId,
    request: { verdict, by: payload.user.id, reason: `${verdict === 'approve' ? 'approved' : 'rejected'} in Slack` },
    ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
  };
}

async function tellClicker(responseUrl: string | undefined, text: string, log: FastifyBaseLogger): Promise<void> {
  if (!responseUrl) return;
  try {
    const res = await httpRequest(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    await res.body.dump();
  } catch (err) {
    log.warn({ err }, 'could not answer the Slack user through response_url');
  }
}

export function slackRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    // The signature covers the raw bytes, so the body must stay a string until it is checked.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.post('/interactions', async (request, reply) => {
      const secret = deps.slackSigningSecret;
      if (!secret) throw new RequestError(503, 'SLACK_SIGNING_SECRET', 'Slack interactivity is not configured on this API');
      const rawBody = typeof request.body === 'string' ? request.body : '';
      const problem = slackSignatureProblem(
        secret,
        {
          timestamp: request.headers['x-slack-request-timestamp'] as string | undefined,
          signature: request.headers['x-slack-signature'] as string | undefined,
          rawBody,
        },
        Math.floor(deps.now() / 1000),
      );
      if (problem) throw new RequestError(401, 'headers.x-slack-signature', problem);

      const click = decisionFromClick(rawBody);
      void reply.status(200).send();
      // After the answer: Temporal may take longer than Slack waits.
      try {
        const answer = await submitDecision(deps.client, click.incidentId, click.request);
        if (!answer.accepted) await tellClicker(click.responseUrl, `Your ${click.request.verdict} was not counted: ${answer.reason}`, request.log);
      } catch (err) {
        request.log.error({ err, incidentId: click.incidentId }, 'Slack decision failed');
        await tellClicker(click.responseUrl, `Your ${click.request.verdict} could not be delivered: ${(err as Error).message}`, request.log);
      }
      return reply;
    });
  };
}
