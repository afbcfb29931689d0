// The API's credentials file: entries name where a token is (variable, file, SHA-256), the
// API keeps only digests, and a bad entry stops the boot with its place and reason.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '../../../src/api/auth';
import { apiCredentials, TokensFileError } from '../../../src/api/tokensFile';

const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
const ALERT_TOKEN = 'a'.repeat(32);
const READER_TOKEN = 'r'.repeat(32);
const PERSON_TOKEN = 'p'.repeat(32);
writeFileSync(join(dir, 'reader'), `${READER_TOKEN}\n`);
writeFileSync(join(dir, 'short'), 'tiny\n');

function tokensFile(yaml: string): string {
  const path = join(dir, `tokens-${Math.random().toString(16).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

const GOOD = `
tokens:
  - name: alertmanager
    scopes: [alerts:write]
    tokenEnv: ALERT_TOKEN
  - name: reader
    scopes: [incidents:read]
    tokenFile: reader
  - name: oncall
    person: U0ONCALL01
    scopes: [incidents:read, incidents:decide]
    sha256: ${createHash('sha256').update(PERSON_TOKEN).digest('hex')}
`;

test('each token is found by its secret, with its scopes and person; unknown tokens are not', () => {
  const credentials = apiCredentials({ API_TOKENS_FILE: tokensFile(GOOD) }, { ALERT_TOKEN });
  expect(credentials.find(ALERT_TOKEN)).toEqual({ name: 'alertmanager', scopes: [Scope.AlertsWrite] });
  expect(credentials.find(READER_TOKEN)).toEqual({ name: 'reader', scopes: [Scope.IncidentsRead] });
  expect(credentials.find(PERSON_TOKEN)).toEqual({ name: 'oncall', person: 'U0ONCALL01', scopes: [Scope.IncidentsRead, Scope.IncidentsDecide] });
  expect(credentials.find('x'.repeat(32))).toBeUndefined();
});

test('the legacy API_TOKEN may post alerts and read, never decide', () => {
  const legacy = 'l'.repeat(32);
  const credentials = apiCredentials({ API_TOKEN: legacy });
  expect(credentials.find(legacy)).toEqual({ name: 'API_TOKEN', scopes: [Scope.AlertsWrite, Scope.IncidentsRead] });
});

const bad: Array<[string, string, Record<string, string>, RegExp]> = [
  [
    'a scope that does not exist',
    `tokens: [{ name: x, scopes: [incidents:approve], tokenEnv: ALERT_TOKEN }]`,
    { ALERT_TOKEN },
    /tokens\[0\]\.scopes\[0\]: .*incidents:decide/,
  ],
  ['no token reference', `tokens: [{ name: x, scopes: [alerts:write] }]`, {}, /tokens\[0\]: give exactly one of tokenEnv, tokenFile, sha256 \(found none\)/],
  ['two token references', `tokens: [{ name: x, scopes: [alerts:write], tokenEnv: A, tokenFile: f }]`, {}, /found tokenEnv, tokenFile/],
  ['the token itself in the file', `tokens: [{ name: x, scopes: [alerts:write], token: ${ALERT_TOKEN} }]`, {}, /tokens\[0\]: Unrecognized key: "token"/],
  [
    'a deciding token without a person',
    `tokens: [{ name: x, scopes: [incidents:decide], tokenEnv: ALERT_TOKEN }]`,
    { ALERT_TOKEN },
    /tokens\[0\]\.person: a token with incidents:decide must name its person/,
  ],
  [
    'a person that is no Slack user id',
    `tokens: [{ name: x, person: alice, scopes: [incidents:decide], tokenEnv: ALERT_TOKEN }]`,
    { ALERT_TOKEN },
    /tokens\[0\]\.person: the Slack user id/,
  ],
  [
    'an unset variable',
    `tokens: [{ name: x, scopes: [alerts:write], tokenEnv: NOT_SET_ANYWHERE }]`,
    {},
    /tokens\[0\] \(x\): tokenEnv: the variable NOT_SET_ANYWHERE is not set/,
  ],
  [
    'a short token',
    `tokens: [{ name: x, scopes: [alerts:write], tokenFile: short }]`,
    {},
    /tokens\[0\] \(x\): tokenFile: .*short is shorter than 16 characters/,
  ],
  ['a missing token file', `tokens: [{ name: x, scopes: [alerts:write], tokenFile: nowhere }]`, {}, /tokenFile: cannot read .*nowhere \(ENOENT\)/],
  ['a malformed digest', `tokens: [{ name: x, scopes: [alerts:write], sha256: abc }]`, {}, /tokens\[0\]\.sha256: .*64 hex digits/],
  [
    'one token twice',
    `tokens: [{ name: x, scopes: [alerts:write], tokenEnv: ALERT_TOKEN }, { name: y, scopes: [incidents:read], tokenEnv: ALERT_TOKEN }]`,
    { ALERT_TOKEN },
    /tokens\[1\] \(y\): the same token as tokens\[0\]/,
  ],
  [
    'one name twice',
    `tokens: [{ name: x, scopes: [alerts:write], tokenEnv: ALERT_TOKEN }, { name: x, scopes: [incidents:read], tokenFile: reader }]`,
    { ALERT_TOKEN },
    /tokens\[1\] \(x\): the name is already used by tokens\[0\]/,
  ],
  ['no tokens', `tokens: []`, {}, /tokens: list at least one token/],
  ['not YAML', `tokens: [`, {}, /not YAML\/JSON/],
];

test.each(bad)('refused at boot: %s', (_name, yaml, env, message) => {
  const path = tokensFile(yaml);
  let error: unknown;
  try {
    apiCredentials({ API_TOKENS_FILE: path }, env);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(TokensFileError);
  expect((error as Error).message).toContain(`invalid tokens file ${path} (API_TOKENS_FILE)`);
  expect((error as Error).message).toMatch(message);
});

test('a missing tokens file is named', () => {
  expect(() => apiCredentials({ API_TOKENS_FILE: join(dir, 'absent.yaml') }, {})).toThrow(/absent\.yaml .*cannot read it \(ENOENT\)/s);
});
