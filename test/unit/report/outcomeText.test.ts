// One wording per outcome: the report's summary and Markdown and `rollback status` say what
// the workflow says in Slack and in the run's summary (OUTCOME_TEXT beside Outcome).
import { formatStatus } from '../../../src/cli/incidentCommands';
import { buildReport, renderMarkdown } from '../../../src/report';
import { Outcome, OUTCOME_TEXT } from '../../../src/workflows/messages';
import { seedPlan } from '../policy/seedPlans';
import { genesisRecord } from './records';

const genesis = seedPlan('genesis-phase4');

test.each(Object.values(Outcome))('%s: the report and the CLI use the one wording', (outcome) => {
  const record = { ...genesisRecord(genesis, { validatedAt: 930 }), outcome };
  const report = buildReport(genesis, record);
  expect(report.summary).toContain(`Outcome: ${OUTCOME_TEXT[outcome]}.`);
  expect(renderMarkdown(report)).toContain(`- **Outcome:** ${outcome} (${OUTCOME_TEXT[outcome]})\n`);
  expect(formatStatus(record)).toContain(`outcome   ${outcome} (${OUTCOME_TEXT[outcome]})\n`);
});
