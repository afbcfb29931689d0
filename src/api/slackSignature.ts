// Slack request signing (v0): HMAC-SHA256 of "v0:<timestamp>:<raw body>" with the app's
// signing secret, compared in constant time; requests older than five minutes are replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SLACK_REPLAY_WINDOW_SECONDS = 5 * 60;

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
}

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Why the request is not Slack's, or undefined when it is. */
export function slackSignatureProblem(secret: string, request: SignedRequest, nowSeconds: number): string | undefined {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !/^\d+$/.test(timestamp)) return 'X-Slack-Request-Timestamp is missing or not a number';
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_REPLAY_WINDOW_SECONDS) {
    return 'X-Slack-Request-Timestamp is more than five minutes away from now (a replay?)';
  }
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature)) return 'X-Slack-Signature is missing or not a v0 signature';
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody));
  if (!timingSafeEqual(expected, Buffer.from(signature))) return 'X-Slack-Signature does not match';
  return undefined;
}
