// POST /v1/slack/interactions: Approve/Reject button clicks. Authenticated by Slack's
// signature (not our bearer token), answered at once — Slack gives up after 3 seconds — and
// decided in the background; a refused click is told to the clicking user only.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { request as httpRequest } from 'undici';
import { z } from 'zod';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../adapters/slack';
import { DecisionRefusedError, submitDecision } from '../../incidents/decisions';
import type { Verdict } from '../../workflows/messages';
import type { ApiDeps } from '../app';
import { RequestError } from '../errors';
import { refusals } from '../schemas';
import { slackSignatureProblem } from '../slackSignature';

const ButtonValue = z.object({ incidentId: z.string().min(1) });

const BlockActionsPayload = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  response_url: z.url().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })).min(1),
});

const NOT_JSON = Symbol('not JSON');

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/**
 * A button click as Slack posts it (a form whose field "payload" holds the interaction as
 * JSON), read as the decision it carries. Fields are named as in the interaction JSON.
 */
const SlackClick = z
  .string()
  .transform((raw, ctx) => {
    const payload = new URLSearchParams(raw).get('payload');
    const parsed = payload ? json(payload) : NOT_JSON;
    if (parsed !== NOT_JSON) return parsed;
    ctx.addIssue({ code: 'custom', path: ['payload'], message: payload ? 'payload is not JSON' : 'an interaction carries a form field "payload"' });
    return z.NEVER;
  })
  .pipe(BlockActionsPayload)
  .transform((payload, ctx) => {
    const action = payload.actions[0];
    const verdict: Verdict | undefined = action.action_id === APPROVE_ACTION_ID ? 'approve' : action.action_id === REJECT_ACTION_ID ? 'reject' : undefined;
    if (!verdict) {
      ctx.addIssue({ code: 'custom', path: ['payload', 'actions', 0, 'action_id'], message: `not a rollback decision button: ${action.action_id}` });
      return z.NEVER;
    }
    const value = json(action.value ?? '');
    if (value === NOT_JSON) {
      ctx.addIssue({ code: 'custom', path: ['payload', 'actions', 0, 'value'], message: 'button value is not JSON' });
      return z.NEVER;
    }
    const button = ButtonValue.safeParse(value);
    if (!button.success) {
      for (const { path, message } of button.error.issues) ctx.addIssue({ code: 'custom', path, message });
      return z.NEVER;
    }
    return {
      incidentId: button.data.incidentId,
      request: { verdict, by: payload.user.id, reason: `${verdict === 'approve' ? 'approved' : 'rejected'} in Slack` },
      ...(payload.response_url ? { responseUrl: payload.response_url } : {}),
    };
  });

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

/** `preValidation` hook: a request signed with the app's signing secret, checked on the raw body before it is read. */
function slackSigned(deps: ApiDeps) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const secret = deps.slackSigningSecret;
    if (!secret) return done(new RequestError(503, 'SLACK_SIGNING_SECRET', 'Slack interactivity is not configured on this API'));
    const problem = slackSignatureProblem(
      secret,
      {
        timestamp: request.headers['x-slack-request-timestamp'] as string | undefined,
        signature: request.headers['x-slack-signature'] as string | undefined,
        rawBody: typeof request.body === 'string' ? request.body : '',
      },
      Math.floor(deps.now() / 1000),
    );
    done(problem ? new RequestError(401, 'headers.x-slack-signature', problem) : undefined);
  };
}

export function slackRoutes(deps: ApiDeps): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    // The signature covers the raw bytes, so the body must stay a string until it is checked.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.post(
      '/interactions',
      {
        preValidation: slackSigned(deps),
        schema: { consumes: ['application/x-www-form-urlencoded'], body: SlackClick, response: { 200: z.undefined(), ...refusals(400, 401, 503) } },
      },
      async (request, reply) => {
        const click = request.body;
        void reply.status(200).send();
        // After the answer: Temporal may take longer than Slack waits.
        try {
          await submitDecision(deps.client, click.incidentId, click.request);
        } catch (err) {
          if (err instanceof DecisionRefusedError) {
            await tellClicker(click.responseUrl, `Your ${click.request.verdict} was not counted: ${err.reason}`, request.log);
            return reply;
          }
          request.log.error({ err, incidentId: click.incidentId }, 'Slack decision failed');
          await tellClicker(click.responseUrl, `Your ${click.request.verdict} could not be delivered: ${(err as Error).message}`, request.log);
        }
        return reply;
      },
    );
    done();
  };
}
