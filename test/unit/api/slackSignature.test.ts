// Slack's signing formula, pinned by the worked example of Slack's own documentation: the
// expected signature was computed by Slack, not by our signer, so a change to the formula fails.
import { slackSignature, slackSignatureProblem } from '../../../src/api/slackSignature';
import { SLACK_DOCUMENTED_EXAMPLE } from '../../support/contracts/slackDocumentedExample';

const { secret, timestamp, body, signature } = SLACK_DOCUMENTED_EXAMPLE;
const sentAt = Number(timestamp);

test('our signer computes the signature Slack documents for its example request', () => {
  expect(slackSignature(secret, timestamp, body)).toBe(signature);
});

test("Slack's example request passes the check at the moment it was sent", () => {
  expect(slackSignatureProblem(secret, { timestamp, signature, rawBody: body }, sentAt)).toBeUndefined();
});

test('one changed byte of the body, another timestamp or another secret no longer matches', () => {
  const mismatch = 'X-Slack-Signature does not match';
  expect(slackSignatureProblem(secret, { timestamp, signature, rawBody: body.replace('text=', 'text=x') }, sentAt)).toBe(mismatch);
  expect(slackSignatureProblem(secret, { timestamp: String(sentAt + 1), signature, rawBody: body }, sentAt)).toBe(mismatch);
  expect(slackSignatureProblem(`${secret.slice(0, -1)}6`, { timestamp, signature, rawBody: body }, sentAt)).toBe(mismatch);
});
