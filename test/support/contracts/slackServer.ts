// Local stand-in for the Slack Web API (https://docs.slack.dev/apis/web-api/): methods at
// POST /api/<method>, bot token as `Authorization: Bearer`, bodies form-encoded (the
// WebClient's choice, JSON-valued fields such as `blocks` encoded as strings) or JSON,
// refusals as HTTP 200 `{ok:false,error}`, rate limits as HTTP 429 with Retry-After.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { validateBlocks } from './slackBlockKit';
import { createStandInApp, FailureScript, hang, listenOnLoopback, mediaType, type RecordedRequest, type RunningStandIn } from './standIn';

/** `hang`: the request is read and never answered, as when Slack's edge stalls. */
export type SlackFailureKind = 'ratelimited' | 'invalid_auth' | 'server_error' | 'hang';

export interface SlackMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
}

export interface SlackStandIn extends RunningStandIn {
  /** The Web API base URL to hand to the WebClient, ending in "/api/". */
  url: string;
  token: string;
  requests: RecordedRequest<SlackArgs>[];
  failNext(count: number, kind: SlackFailureKind): void;
  /** An outage: every call fails this way until `recover()`. */
  failAll(kind: SlackFailureKind): void;
  recover(): void;
  /** The message as it now stands (after any chat.update), if it exists. */
  message(channel: string, ts: string): SlackMessage | undefined;
  /** A `response_url` as Slack puts in interaction payloads; what is posted to it lands in `responses`. */
  responseUrl(): string;
  responses: { path: string; body: unknown }[];
}

export interface SlackStandInOptions {
  /** The only token accepted; defaults to a fixed test token. */
  token?: string;
  /** When given, other channels answer `channel_not_found`; otherwise any channel exists. */
  channels?: string[];
}

/** Method arguments as Slack reads them; JSON-valued form fields are decoded. */
export type SlackArgs = Record<string, unknown>;

type SlackResult = { ok: true } & Record<string, unknown>;
type SlackRefusal = { ok: false; error: string } & Record<string, unknown>;

const DEFAULT_TOKEN = 'xoxb-0000000000-standin-token';
const JSON_VALUED_FIELDS = ['blocks', 'attachments', 'metadata'];

function refuse(error: string, extra: Record<string, unknown> = {}): SlackRefusal {
  return { ok: false, error, ...extra };
}

function parseArgs(headers: IncomingHttpHeaders, raw: unknown): SlackArgs | SlackRefusal {
  const text = typeof raw === 'string' ? raw : '';
  const type = mediaType(headers);
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as SlackArgs) : refuse('invalid_json');
    } catch {
      return refuse('invalid_json');
    }
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    const args: SlackArgs = Object.fromEntries(new URLSearchParams(text));
    for (const field of JSON_VALUED_FIELDS) {
      if (typeof args[field] !== 'string') continue;
      try {
        args[field] = JSON.parse(args[field]);
      } catch {
        // Left as a string; the method refuses it as malformed.
      }
    }
    return args;
  }
  return refuse('invalid_form_data');
}

function isRefusal(value: SlackArgs | SlackRefusal): value is SlackRefusal {
  return value.ok === false && typeof value.error === 'string';
}

/** Slack takes the token from the Authorization header, or from a `token` field in a form body. */
function presentedToken(headers: IncomingHttpHeaders, args: SlackArgs): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (match) return match[1];
  return typeof args.token === 'string' && mediaType(headers) !== 'application/json' ? args.token : undefined;
}

export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const token = options.token ?? DEFAULT_TOKEN;
  const channels = options.channels && new Set(options.channels);
  const requests: RecordedRequest<SlackArgs>[] = [];
  const failures = new FailureScript<SlackFailureKind>();
  const messages = new Map<string, SlackMessage>();
  let lastTsMicros = 0;

  const key = (channel: string, ts: string) => `${channel}/${ts}`;

  /** Slack message ids are "<epoch seconds>.<6 digits>", unique per channel. */
  function nextTs(): string {
    lastTsMicros = Math.max(lastTsMicros + 1, Date.now() * 1000);
    return `${Math.floor(lastTsMicros / 1e6)}.${String(lastTsMicros % 1e6).padStart(6, '0')}`;
  }

  function checkChannel(channel: unknown): string | SlackRefusal {
    if (typeof channel !== 'string' || channel === '') return refuse('channel_not_found');
    if (channels && !channels.has(channel)) return refuse('channel_not_found');
    return channel;
  }

  /** Blocks must be a valid Block Kit array; `text` or `blocks` must carry content. */
  function checkContent(args: SlackArgs): { text?: string; blocks?: unknown[] } | SlackRefusal {
    const text = typeof args.text === 'string' && args.text !== '' ? args.text : undefined;
    if (args.blocks === undefined) return text === undefined ? refuse('no_text') : { text };
    if (!Array.isArray(args.blocks)) return refuse('invalid_blocks_format');
    const errors = validateBlocks(args.blocks);
    if (errors.length > 0) {
      return refuse('invalid_blocks', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    }
    if (text === undefined && args.blocks.length === 0) return refuse('no_text');
    return { text, blocks: args.blocks };
  }

  const methods: Record<string, (args: SlackArgs) => SlackResult | SlackRefusal> = {
    'auth.test': () => ({ ok: true, team_id: 'T0STANDIN', user_id: 'U0STANDINBOT', bot_id: 'B0STANDIN' }),

    'chat.postMessage': (args) => {
      const channel = checkChannel(args.channel);
      if (typeof channel !== 'string') return channel;
      const content = checkContent(args);
      if ('ok' in content) return content;
      const message: SlackMessage = { channel, ts: nextTs(), ...content };
      messages.set(key(channel, message.ts), message);
      return {
        ok: true,
        channel,
        ts: message.ts,
        message: { type: 'message', bot_id: 'B0STANDIN', ts: message.ts, text: message.text ?? '', blocks: message.blocks },
      };
    },

    'chat.update': (args) => {
      const channel = checkChannel(args.channel);
      if (typeof channel !== 'string') return channel;
      const existing = typeof args.ts === 'string' ? messages.get(key(channel, args.ts)) : undefined;
      if (!existing) return refuse('message_not_found');
      const content = checkContent(args);
      if ('ok' in content) return content;
      // chat.update keeps the previous blocks unless the call sends new ones (an empty array removes them).
      const updated: SlackMessage = { ...existing, text: content.text, blocks: content.blocks ?? existing.blocks };
      messages.set(key(channel, existing.ts), updated);
      return { ok: true, channel, ts: existing.ts, text: updated.text ?? '', message: { ...updated, type: 'message' } };
    },
  };

  function scriptedFailure(reply: FastifyReply, kind: SlackFailureKind): FastifyReply {
    switch (kind) {
      case 'ratelimited':
        return reply.code(429).header('retry-after', '1').send(refuse('ratelimited'));
      case 'invalid_auth':
        return reply.code(200).send(refuse('invalid_auth'));
      case 'server_error':
        return reply.code(500).type('text/plain').send('Internal Server Error');
      case 'hang':
        return hang(reply);
    }
  }

  const app = createStandInApp();
  app.post('/api/:method', async (request: FastifyRequest<{ Params: { method: string } }>, reply) => {
    const parsed = parseArgs(request.headers, request.body);
    const args = isRefusal(parsed) ? {} : parsed;
    const recorded: RecordedRequest<SlackArgs> = { path: request.url, headers: request.headers, body: args };
    requests.push(recorded);

    const failure = failures.take();
    if (failure) {
      recorded.scriptedFailure = failure;
      return scriptedFailure(reply, failure);
    }
    if (isRefusal(parsed)) return parsed;

    const presented = presentedToken(request.headers, args);
    if (presented === undefined) return refuse('not_authed');
    if (presented !== token) return refuse('invalid_auth');

    const method = methods[request.params.method];
    return method ? method(args) : refuse('unknown_method');
  });

  // Interaction response URLs (https://hooks.slack.com/actions/T…/…/…): JSON messages back to the clicking user.
  const responses: { path: string; body: unknown }[] = [];
  let responseUrls = 0;
  app.post('/actions/*', async (request, reply) => {
    if (mediaType(request.headers) !== 'application/json') return reply.code(400).send('invalid_payload');
    try {
      responses.push({ path: request.url, body: JSON.parse(String(request.body)) });
    } catch {
      return reply.code(400).send('invalid_payload');
    }
    return reply.code(200).type('text/plain').send('ok');
  });

  const running = await listenOnLoopback(app, '/api/');
  const origin = running.url.replace(/\/api\/$/, '');
  return {
    ...running,
    responses,
    responseUrl: () => `${origin}/actions/T0STANDIN/${++responseUrls}/standin-response-token`,
    token,
    requests,
    failNext: (count, kind) => failures.failNext(count, kind),
    failAll: (kind) => failures.failAll(kind),
    recover: () => failures.recover(),
    message: (channel, ts) => messages.get(key(channel, ts)),
  };
}
