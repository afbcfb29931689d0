// A drill's preflight on the worker: what its commands, adapters and HTTP checks cannot reach.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fakeMetrics, stepWorld } from '../../support/stepDeps';

test('programs the plan folder and PATH do not have, an adapter that does not answer, a URL nobody serves', async () => {
  const world = await stepWorld({ infra: { metrics: fakeMetrics({ 'vector(1)': new Error('connect ECONNREFUSED 127.0.0.1:9') }) } });
  mkdirSync(join(world.dir, 'tools'));
  writeFileSync(join(world.dir, 'tools/deploy.sh'), '#!/bin/sh\n');
  chmodSync(join(world.dir, 'tools/deploy.sh'), 0o755);
  writeFileSync(join(world.dir, 'tools/preflight.py'), 'print(1)\n'); // run by python3: need not be executable
  const server = createServer((_, res) => res.writeHead(503).end()); // an answer, even a bad one, is reachable
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const served = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  try {
    const found = await world.activities.preflight({
      adapters: world.adapters(),
      programs: ['tools/deploy.sh', 'tools/confirm_rollback_images.sh', 'git', 'cd', 'python3', 'tools/preflight.py', 'no-such-program-x1'],
      urls: [served, 'http://127.0.0.1:9/health'],
    });
    expect(found.programs).toEqual(['tools/confirm_rollback_images.sh', 'no-such-program-x1']);
    expect(found.adapters).toEqual({ metrics: 'connect ECONNREFUSED 127.0.0.1:9' });
    expect(Object.keys(found.urls)).toEqual(['http://127.0.0.1:9/health']);
    expect(found.urls['http://127.0.0.1:9/health']).toMatch(/ECONNREFUSED/);
  } finally {
    server.close();
  }
});

test('nothing missing: empty lists, and no command is run for no programs', async () => {
  const world = await stepWorld();
  expect(await world.activities.preflight({ adapters: world.adapters(), programs: [], urls: [] })).toEqual({ programs: [], adapters: {}, urls: {} });
});
