// Plans are committed and copied into workflow history: a secret written in one would
// leak. Any string that looks like a token, a webhook URL with its key, or a password in
// a URL is refused, wherever it is.
import type { IssueList, Segments } from './issues';

const SECRET_PATTERNS: [RegExp, string][] = [
  [/xox[abprs]-[A-Za-z0-9-]{8,}/, 'a Slack token'],
  [/hooks\.slack\.com\/services\/\S+/, 'a Slack webhook URL (its path is the secret)'],
  [/events\.pagerduty\.com\S*[?&](routing_key|token)=/i, 'a PagerDuty key in a URL'],
  [/^[a-f0-9]{32}$/i, 'a PagerDuty routing key'],
  [/:\/\/[^/\s:@]+:[^/\s@]+@/, 'a password in a URL'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b/, 'an access token'],
];

export function findSecrets(value: unknown, segments: Segments, issues: IssueList): void {
  if (typeof value === 'string') {
    const found = SECRET_PATTERNS.find(([pattern]) => pattern.test(value));
    if (found) {
      issues.add(segments, `this looks like ${found[1]}: never write a secret in a plan; put it in an environment variable and give the variable's name`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => findSecrets(item, [...segments, i], issues));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) findSecrets(item, [...segments, key], issues);
  }
}
