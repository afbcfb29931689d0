// The worker's log lines: secret values replaced by *** wherever they appear in the line
// (message, fields, an error), the plans' secret names learnt from activity inputs, and the
// incident id on every line the SDK writes about a run.
import { Writable } from 'node:stream';
import { expect } from '@jest/globals';
import { SecretNames, temporalLogger, workerLogger } from '../../../src/worker/logging';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().trim().split('\n'));
      done();
    },
  });
  return { lines, stream };
}

const env = {
  SLACK_BOT_TOKEN: 'xoxb-1111-secret-slack',
  ROUTING_KEY: 'a'.repeat(32),
  DB_URL: 'postgres://app:pa"ss\\word@db:5432/app',
  HARMLESS: 'checkout',
};

test("the worker's own secrets, and those plans name once an activity carried them, never reach a line", () => {
  const { lines, stream } = capture();
  const secrets = new SecretNames(['SLACK_BOT_TOKEN'], env);
  const log = workerLogger(secrets, stream);
  log.info({ output: `token=${env.SLACK_BOT_TOKEN}` }, `using ${env.SLACK_BOT_TOKEN} for ${env.HARMLESS}`);
  // Not known as secrets yet: the plan that names them has not been seen.
  log.info(`key ${env.ROUTING_KEY}`);
  secrets.learnFrom({ to: { notifier: 'pagerduty', routingKeyEnv: 'ROUTING_KEY' } });
  secrets.learnFrom({ adapters: { database: { urlEnv: 'DB_URL' } } });
  log.warn({ err: new Error(`cannot connect to ${env.DB_URL}`) }, `paging with ${env.ROUTING_KEY}`);

  const [first, unknown, later] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(first).toMatchObject({ msg: 'using *** for checkout', output: 'token=***', process: 'worker' });
  expect(unknown.msg).toBe(`key ${env.ROUTING_KEY}`);
  expect(later).toMatchObject({ msg: 'paging with ***', err: { message: 'cannot connect to ***' } });
  const all = [lines[0], lines[2]].join('\n');
  for (const value of [env.SLACK_BOT_TOKEN, env.ROUTING_KEY, 'pa"ss', 'pa\\"ss']) expect(all).not.toContain(value);
});

test("the SDK's lines through the Runtime logger: JSON, the incident id from the workflow id, errors as err", () => {
  const { lines, stream } = capture();
  const log = temporalLogger(workerLogger(new SecretNames([], env), stream));
  log.warn('Activity failed', { workflowId: 'rollback:checkout-demo:checkout:production:1', activityType: 'notify', error: new Error('slack: unavailable') });
  log.debug('not at info');
  log.info('Worker state changed', { state: 'RUNNING' });
  expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
    expect.objectContaining({
      level: 40,
      msg: 'Activity failed',
      incidentId: 'rollback:checkout-demo:checkout:production:1',
      activityType: 'notify',
      err: expect.objectContaining({ message: 'slack: unavailable' }),
    }),
    expect.objectContaining({ level: 30, msg: 'Worker state changed', state: 'RUNNING' }),
  ]);
});
