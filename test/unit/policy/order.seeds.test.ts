// Order of a multi-service rollback.
import { findCycle, rollbackWaves } from '../../../src/policy/order';
import { seedPlan } from './seedPlans';

describe('003 §4.4 Roll back application services', () => {
  const plan = seedPlan('monetization-drill');
  it('003: backend services first, the web portal after the backend', () => {
    expect(rollbackWaves(plan)).toEqual([['auth', 'partner-registry'], ['transactions'], ['agent-service', 'web-portal']]);
  });
  it('003: a selection keeps the order of what it leaves out', () => {
    expect(rollbackWaves(plan, ['web-portal', 'auth'])).toEqual([['auth'], ['web-portal']]);
  });
});

describe('001 §Recovery Time Objectives services', () => {
  it('001: the code rollback deploys auth and analytics before the core API', () => {
    expect(rollbackWaves(seedPlan('webapp-5-level'), ['core-api', 'user-auth', 'analytics'])).toEqual([['user-auth', 'analytics'], ['core-api']]);
  });
});

describe('findCycle', () => {
  it('names the services that depend on each other in a circle', () => {
    const service = (name: string, dependsOn: string[]) => ({ name, dependsOn, checks: [] });
    expect(findCycle([service('a', ['b']), service('b', ['c']), service('c', ['a'])])).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle([service('a', ['b']), service('b', [])])).toBeUndefined();
  });
});
