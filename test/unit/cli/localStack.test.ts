// Where the CLI looks for Temporal and the API when the environment does not say.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLocalStack, writeLocalStack } from '../../../src/cli/localStack';

const stack = { temporalAddress: '127.0.0.1:17233', apiUrl: 'http://127.0.0.1:18080' };
const file = () => join(mkdtempSync(join(tmpdir(), 'local-stack-')), 'local-stack.json');

test('a running npm start is found by its record', () => {
  const at = file();
  writeLocalStack(at, { ...stack, pid: process.pid });
  expect(withLocalStack({}, at)).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:17233', ROLLBACK_API_URL: 'http://127.0.0.1:18080' });
});

test('what the environment says wins: TEMPORAL_ADDRESS and ROLLBACK_API_URL, then TEMPORAL_PORT and API_PORT', () => {
  const at = file();
  writeLocalStack(at, { ...stack, pid: process.pid });
  expect(withLocalStack({ TEMPORAL_ADDRESS: 'temporal.prod:7233', ROLLBACK_API_URL: 'https://rollback.prod' }, at)).toMatchObject({
    TEMPORAL_ADDRESS: 'temporal.prod:7233',
    ROLLBACK_API_URL: 'https://rollback.prod',
  });
  expect(withLocalStack({ TEMPORAL_PORT: '27233', API_PORT: '28080' }, at)).toMatchObject({
    TEMPORAL_ADDRESS: '127.0.0.1:27233',
    ROLLBACK_API_URL: 'http://127.0.0.1:28080',
  });
});

test('a record left by an npm start that is gone is ignored, and so is none at all', () => {
  const at = file();
  const gone = spawnSync('true').pid;
  writeLocalStack(at, { ...stack, pid: gone });
  expect(withLocalStack({}, at)).not.toHaveProperty('TEMPORAL_ADDRESS');
  expect(withLocalStack({}, join(tmpdir(), 'no-such-dir', 'local-stack.json'))).not.toHaveProperty('ROLLBACK_API_URL');
});

test('the record is removed when npm start stops', () => {
  const at = file();
  const forget = writeLocalStack(at, { ...stack, pid: process.pid });
  forget();
  expect(withLocalStack({}, at)).toEqual({});
});
