// Every plan under plans/ loads and validates, and each seed has its plan.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PLANS_DIR, loadPlanDirectory, loadPlanFile } from '../../../src/validation/files';

const files = readdirSync(DEFAULT_PLANS_DIR).filter((f) => f.endsWith('.yaml'));

describe('plans/', () => {
  it.each(files)('%s loads and validates', (file) => {
    expect(() => loadPlanFile(join(DEFAULT_PLANS_DIR, file))).not.toThrow();
  });

  it.each([
    ['000', 'reserves-v11'],
    ['001', 'webapp-5-level'],
    ['002', 'lens-sprint1-canary'],
    ['003', 'monetization-drill'],
    ['004', 'genesis-phase4'],
  ])('seed %s has its plan %s, which names the seed as its source', (seed, name) => {
    const plan = loadPlanDirectory(DEFAULT_PLANS_DIR).get(name);
    expect(plan?.source).toMatch(new RegExp(`^seeds/${seed}`));
  });
});
