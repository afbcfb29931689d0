// Hole detection in decision tables over numeric bands and several dimensions.
import { findHoles } from '../../../src/policy/coverage';
import type { DecisionTable } from '../../../src/plan/schema';
import { seedPlan } from './seedPlans';

describe('decision table holes', () => {
  const genesis = seedPlan('genesis-phase4');
  const bands = genesis.decisions.find((t) => t.name === 'metric-bands')!;
  const without = (table: DecisionTable, index: number): DecisionTable => ({ ...table, rules: table.rules.filter((_, i) => i !== index) });

  it('004 bands as written leave no hole', () => {
    expect(findHoles(genesis, bands)).toEqual([]);
  });

  it('004 bands without "0.1% - 1%" leave that band open, at its ends and inside', () => {
    expect(findHoles(genesis, without(bands, 1))).toEqual(['trigger=ErrorRate, value=0.1%', 'trigger=ErrorRate, value=0.55%', 'trigger=ErrorRate, value=1%']);
  });

  it('004 bands without "> 2 min" leave long outages undecided', () => {
    expect(findHoles(genesis, without(bands, 11))).toEqual(['trigger=ServiceDown, heldFor=4m']);
  });

  it('001 matrix without its "otherwise" rule has holes across severity × impact × time to fix', () => {
    const webapp = seedPlan('webapp-5-level');
    const matrix = webapp.decisions.find((t) => t.name === 'decision-matrix')!;
    const holes = findHoles(webapp, { ...matrix, rules: matrix.rules.slice(0, 4) }, 1);
    expect(holes).toEqual(['trigger=CriticalFunctionalityBroken, severity=critical, impact=0%, timeToFix=0s']);
  });
});
