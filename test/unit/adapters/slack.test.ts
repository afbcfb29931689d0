// The real @slack/web-api WebClient, through SlackNotifier, against the Slack stand-in.
import { AdapterErrorType, RateLimitedError, RejectedError, UnavailableError } from '../../../src/adapters/errors';
import { approvalBlocks, decisionBlocks, SlackNotifier, type ApprovalRequest } from '../../../src/adapters/slack';
import { startSlackStandIn, type SlackStandIn } from '../../support/contracts/slackServer';
import { caught } from '../../support/caught';

const CHANNEL = 'C0ROLLBACK';

const request: ApprovalRequest = {
  incidentId: 'inc-payments-7',
  plan: 'payments',
  service: 'payments-api',
  trigger: 'health check failed 3 times',
  summary: 'payments-api /healthz failing on 3 of 4 hosts',
  approverIds: ['U01LEAD'],
  deadline: '2025-03-01T12:05:00Z',
  defaultAction: 'hold',
};

let slack: SlackStandIn;
let notifier: SlackNotifier;

beforeEach(async () => {
  slack = await startSlackStandIn({ channels: [CHANNEL] });
  notifier = new SlackNotifier({ token: slack.token, slackApiUrl: slack.url });
});

afterEach(() => slack.close());

describe('SlackNotifier against the Slack Web API stand-in', () => {
  it('posts the approval request with its buttons, as the WebClient encodes it', async () => {
    const posted = await notifier.postApprovalRequest(CHANNEL, request);

    expect(posted.channel).toBe(CHANNEL);
    expect(posted.ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.requests).toHaveLength(1);
    const [call] = slack.requests;
    expect(call.path).toBe('/api/chat.postMessage');
    expect(call.headers.authorization).toBe(`Bearer ${slack.token}`);
    expect(call.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(call.body.channel).toBe(CHANNEL);
    expect(call.body.text).toBe('Rollback approval needed for payments-api (incident inc-payments-7): payments-api /healthz failing on 3 of 4 hosts');
    expect(call.body.blocks).toEqual(approvalBlocks(request));
    expect(slack.message(CHANNEL, posted.ts)?.blocks).toEqual(approvalBlocks(request));
  });

  it('escapes alert text in the notification text too, so an alert cannot ping the channel', async () => {
    await notifier.postApprovalRequest(CHANNEL, { ...request, summary: '<!channel> down' });

    expect(slack.requests[0].body.text).toContain('&lt;!channel&gt; down');
  });

  it('replaces the buttons with the decision via chat.update', async () => {
    const posted = await notifier.postApprovalRequest(CHANNEL, request);
    const decision = { verdict: 'approved', userId: 'U01LEAD' } as const;

    const updated = await notifier.updateMessage(CHANNEL, posted.ts, 'Approved by <@U01LEAD>', decisionBlocks(request, decision));

    expect(updated).toEqual(posted);
    expect(slack.requests[1].path).toBe('/api/chat.update');
    const message = slack.message(CHANNEL, posted.ts)!;
    expect(message.text).toBe('Approved by <@U01LEAD>');
    expect(message.blocks).toEqual(decisionBlocks(request, decision));
    expect(message.blocks!.some((b) => (b as { type: string }).type === 'actions')).toBe(false);
  });

  it('an update with text only removes the buttons too', async () => {
    const posted = await notifier.postApprovalRequest(CHANNEL, request);

    await notifier.updateMessage(CHANNEL, posted.ts, 'Rejected by <@U01LEAD>');

    expect(slack.message(CHANNEL, posted.ts)).toMatchObject({ text: 'Rejected by <@U01LEAD>', blocks: [] });
  });

  it('surfaces a 429 at once as RateLimitedError with Retry-After in ms; the next call succeeds', async () => {
    slack.failNext(1, 'ratelimited');

    const error = await caught(notifier.postMessage(CHANNEL, 'rollback started'));

    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ type: AdapterErrorType.RateLimited, retryAfterMs: 1000, vendor: 'slack', retryable: true });
    expect(slack.requests).toHaveLength(1); // the WebClient neither retried nor queued
    await expect(notifier.postMessage(CHANNEL, 'rollback started')).resolves.toMatchObject({ channel: CHANNEL });
    expect(slack.requests).toHaveLength(2);
  });

  it('maps invalid_auth to a non-retryable RejectedError', async () => {
    slack.failNext(1, 'invalid_auth');

    const error = await caught(notifier.postMessage(CHANNEL, 'hello'));

    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({ type: AdapterErrorType.Rejected, status: 200, detail: 'invalid_auth', retryable: false });
  });

  it('refuses a wrong token without echoing any token', async () => {
    const wrongToken = 'xoxb-wrong-secret-token';
    const impostor = new SlackNotifier({ token: wrongToken, slackApiUrl: slack.url });

    const error = (await caught(impostor.postMessage(CHANNEL, 'hello'))) as Error;

    expect(error).toBeInstanceOf(RejectedError);
    expect((error as RejectedError).detail).toBe('invalid_auth');
    expect(error.message).not.toContain(wrongToken);
    expect(error.message).not.toContain(slack.token);
  });

  it('maps a 500 to UnavailableError without retrying', async () => {
    slack.failNext(1, 'server_error');

    const error = await caught(notifier.postMessage(CHANNEL, 'hello'));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ type: AdapterErrorType.Unavailable, status: 500, retryable: true });
    expect(slack.requests).toHaveLength(1);
  });

  it('gives up on a server that accepts the request and never answers, after the configured timeout', async () => {
    slack.failNext(1, 'hang');
    const impatient = new SlackNotifier({ token: slack.token, slackApiUrl: slack.url, timeoutMs: 200 });
    const started = Date.now();

    const error = await caught(impatient.postMessage(CHANNEL, 'hello'));

    expect(error).toBeInstanceOf(UnavailableError);
    // Not before the configured timeout (Date.now() and the timer's clock may differ by a millisecond).
    expect(Date.now() - started).toBeGreaterThanOrEqual(200 - 5);
    expect(slack.requests.map((r) => r.scriptedFailure)).toEqual(['hang']);
  });

  it('an outage fails every call until it is over', async () => {
    slack.failAll('server_error');
    for (let i = 0; i < 3; i++) expect(await caught(notifier.postMessage(CHANNEL, 'hello'))).toBeInstanceOf(UnavailableError);

    slack.recover();
    const posted = await notifier.postMessage(CHANNEL, 'hello');
    expect(slack.message(CHANNEL, posted.ts)?.text).toBe('hello');
  });

  it('maps connection refused to UnavailableError', async () => {
    const url = slack.url;
    await slack.close();
    const offline = new SlackNotifier({ token: 'xoxb-any', slackApiUrl: url });

    const error = await caught(offline.postMessage(CHANNEL, 'hello'));

    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBeUndefined();
    expect((error as UnavailableError).detail).toContain('ECONNREFUSED');
  });

  it('maps channel_not_found and invalid blocks to RejectedError with Slack’s reasons', async () => {
    const missing = await caught(notifier.postMessage('C0NOSUCH', 'hello'));
    expect(missing).toMatchObject({ type: AdapterErrorType.Rejected, detail: 'channel_not_found' });

    const badButton = [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Go' } }] }];
    const invalid = await caught(notifier.postMessage(CHANNEL, 'hello', badButton as never));
    expect(invalid).toBeInstanceOf(RejectedError);
    expect((invalid as RejectedError).detail).toContain('invalid_blocks');
    expect((invalid as RejectedError).detail).toContain('/blocks/0/elements/0/action_id');
  });

  it('refuses chat.update of a message that does not exist', async () => {
    const error = await caught(notifier.updateMessage(CHANNEL, '1700000000.000001', 'x'));
    expect(error).toMatchObject({ type: AdapterErrorType.Rejected, detail: 'message_not_found' });
  });
});
