// Slack notifier over the real @slack/web-api client. The client is told never to retry or
// queue on its own: retries belong to Temporal, so every failure surfaces at once as an
// adapter error whose type tells the activity whether a retry can help.
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient, type FetchFunction } from '@slack/web-api';
// The block types live in @slack/types, the package @slack/web-api's own signatures use.
import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { fetch as undiciFetch } from 'undici';
import { describeNetworkFailure, RateLimitedError, RejectedError, UnavailableError, type AdapterError } from './errors';
import type { Delivery, Notice, Notifier } from './roles';

const VENDOR = 'slack';
const DEFAULT_API_URL = 'https://slack.com/api/';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Slack's posting limit is about one message per second per channel; used when a refusal carries no Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** `ok:false` codes that describe Slack's trouble, not ours (Slack Web API "Errors" tables). */
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited']);

// Block Kit limits that an alert's free text could exceed; exceeding them gets the whole message refused.
const HEADER_TEXT_MAX = 150;
const SECTION_TEXT_MAX = 3000;
const FIELD_TEXT_MAX = 2000;

export const APPROVE_ACTION_ID = 'rollback_approve';
export const REJECT_ACTION_ID = 'rollback_reject';
export const DECISION_BLOCK_ID_PREFIX = 'rollback_decision:';

export type DefaultAction = 'rollback' | 'hold';

export interface ApprovalRequest {
  incidentId: string;
  plan: string;
  service: string;
  trigger: string;
  summary: string;
  /** Slack user ids (U…/W…) of the people who may decide. */
  approverIds: string[];
  /** ISO-8601 instant after which `defaultAction` applies. */
  deadline: string;
  defaultAction: DefaultAction;
}

export type ApprovalDecision = { verdict: 'approved' | 'rejected'; userId: string } | { verdict: 'timed-out' };

/** The `value` of both buttons, parsed back by the Slack interactivity endpoint. */
export interface ApprovalButtonValue {
  incidentId: string;
}

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface SlackNotifierOptions {
  /** Bot token (xoxb-…). */
  token: string;
  /** Web API base URL; tests point it at a local stand-in. */
  slackApiUrl?: string;
  timeoutMs?: number;
}

/** Slack mrkdwn treats &, < and > as control characters (Slack "Formatting text" docs). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function mention(userId: string): string {
  return `<@${escapeMrkdwn(userId)}>`;
}

/** Slack renders the instant in each reader's time zone; the ISO text is the fallback. */
function slackDate(iso: string): string {
  const epochMs = Date.parse(iso);
  if (Number.isNaN(epochMs)) return escapeMrkdwn(iso);
  return `<!date^${Math.floor(epochMs / 1000)}^{date_short_pretty} at {time}|${escapeMrkdwn(iso)}>`;
}

function describeDefault(action: DefaultAction): string {
  return action === 'rollback' ? 'roll back' : 'hold (no rollback)';
}

function field(label: string, value: string) {
  return { type: 'mrkdwn' as const, text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_TEXT_MAX) };
}

/** Header and facts shared by the open request and the decided message, so both read alike. */
function incidentBlocks(req: ApprovalRequest): KnownBlock[] {
  const facts: SectionBlock = {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(req.summary), SECTION_TEXT_MAX) },
    fields: [field('Incident', req.incidentId), field('Plan', req.plan), field('Service', req.service), field('Trigger', req.trigger)],
  };
  return [{ type: 'header', text: { type: 'plain_text', text: truncate(`Rollback approval: ${req.service}`, HEADER_TEXT_MAX) } }, facts];
}

function decisionButton(text: string, actionId: string, style: Button['style'], value: string): Button {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, style, value };
}

/** The open request: facts, who may decide and by when, and the Approve / Reject buttons. */
export function approvalBlocks(req: ApprovalRequest): KnownBlock[] {
  const value = JSON.stringify({ incidentId: req.incidentId } satisfies ApprovalButtonValue);
  const approvers = req.approverIds.length > 0 ? req.approverIds.map(mention).join(' ') : '_nobody named_';
  const buttons: ActionsBlock = {
    type: 'actions',
    block_id: `${DECISION_BLOCK_ID_PREFIX}${req.incidentId}`,
    elements: [decisionButton('Approve', APPROVE_ACTION_ID, 'primary', value), decisionButton('Reject', REJECT_ACTION_ID, 'danger', value)],
  };
  return [
    ...incidentBlocks(req),
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Approvers: ${approvers}` },
        { type: 'mrkdwn', text: `Decide by ${slackDate(req.deadline)}. If nobody answers: *${describeDefault(req.defaultAction)}*.` },
      ],
    },
    buttons,
  ];
}

/** One line saying what was decided and by whom; also the notification text of the updated message. */
export function decisionText(req: ApprovalRequest, decision: ApprovalDecision): string {
  switch (decision.verdict) {
    case 'approved':
      return `:white_check_mark: Approved by ${mention(decision.userId)}`;
    case 'rejected':
      return `:x: Rejected by ${mention(decision.userId)}`;
    case 'timed-out':
      return `:hourglass: No answer by the deadline: default applied, *${describeDefault(req.defaultAction)}*`;
  }
}

/** The request after a decision: same facts, the buttons replaced by the outcome. */
export function decisionBlocks(req: ApprovalRequest, decision: ApprovalDecision): KnownBlock[] {
  return [...incidentBlocks(req), { type: 'section', text: { type: 'mrkdwn', text: decisionText(req, decision) } }];
}

/** The notification text; escaped too, since Slack parses it as mrkdwn (an alert saying <!channel> must not ping). */
function approvalText(req: ApprovalRequest): string {
  return escapeMrkdwn(`Rollback approval needed for ${req.service} (incident ${req.incidentId}): ${req.summary}`);
}

function platformErrorDetail(error: WebAPIPlatformError): string {
  const messages = error.data.response_metadata?.messages ?? [];
  return [error.data.error, ...messages].join('; ');
}

/** Maps the WebClient's errors to adapter errors; the token never appears in them. */
function toSlackAdapterError(error: unknown): AdapterError {
  if (error instanceof WebAPIRateLimitedError) {
    return new RateLimitedError(VENDOR, error.retryAfter * 1000, { cause: error });
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    if (RATE_LIMIT_ERRORS.has(code)) {
      const retryAfterSec = error.data.response_metadata?.retryAfter;
      return new RateLimitedError(VENDOR, retryAfterSec === undefined ? DEFAULT_RETRY_AFTER_MS : retryAfterSec * 1000, {
        cause: error,
      });
    }
    if (TRANSIENT_ERRORS.has(code)) return new UnavailableError(VENDOR, code, 200, { cause: error });
    return new RejectedError(VENDOR, 200, platformErrorDetail(error), { cause: error });
  }
  if (error instanceof WebAPIHTTPError) {
    const detail = `${error.statusCode} ${error.statusMessage}`.trim();
    return error.statusCode >= 500
      ? new UnavailableError(VENDOR, detail, error.statusCode, { cause: error })
      : new RejectedError(VENDOR, error.statusCode, detail, { cause: error });
  }
  if (error instanceof WebAPIRequestError) {
    return new UnavailableError(VENDOR, describeNetworkFailure(error.original), undefined, { cause: error });
  }
  // e.g. a 429 without a usable Retry-After, which the WebClient reports as a plain Error.
  return new UnavailableError(VENDOR, error instanceof Error ? error.message : String(error), undefined, { cause: error });
}

export class SlackNotifier {
  private readonly client: WebClient;

  constructor(options: SlackNotifierOptions) {
    this.client = new WebClient(options.token, {
      slackApiUrl: options.slackApiUrl ?? DEFAULT_API_URL,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // The pinned undici, as the PagerDuty client uses, rather than whatever Node bundles. The
      // cast only bridges two copies of the FormData type (used for file uploads, which we never send).
      fetch: undiciFetch as FetchFunction,
    });
  }

  postApprovalRequest(channel: string, req: ApprovalRequest): Promise<PostedMessage> {
    return this.postMessage(channel, approvalText(req), approvalBlocks(req));
  }

  async postMessage(channel: string, text: string, blocks?: KnownBlock[]): Promise<PostedMessage> {
    const result = await this.call(() => this.client.chat.postMessage({ channel, text, blocks }));
    return postedMessage(result.channel, result.ts);
  }

  /**
   * The message becomes exactly `text` and `blocks`. Without `blocks` the old ones (the
   * buttons included) are removed: chat.update would otherwise keep them.
   */
  async updateMessage(channel: string, ts: string, text: string, blocks: KnownBlock[] = []): Promise<PostedMessage> {
    const result = await this.call(() => this.client.chat.update({ channel, ts, text, blocks }));
    return postedMessage(result.channel, result.ts);
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toSlackAdapterError(error);
    }
  }
}

function postedMessage(channel: string | undefined, ts: string | undefined): PostedMessage {
  if (!channel || !ts) throw new UnavailableError(VENDOR, 'ok response without channel and ts', 200);
  return { channel, ts };
}

/** The Notifier for a Slack channel: every notice is a message there. Without a bot token it skips, saying why. */
export class SlackChannelNotifier implements Notifier {
  constructor(
    private readonly slack: SlackNotifier | undefined,
    private readonly channel: string,
  ) {}

  async notify(notice: Notice): Promise<Delivery> {
    if (!this.slack) return { sent: false, reason: 'SLACK_BOT_TOKEN is not set on the worker' };
    return { sent: true, ...(await this.slack.postMessage(this.channel, notice.text)) };
  }
}
