// Entering a stage: the record, the search attribute the Temporal UI filters on, and the
// run's current details.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { IncidentState } from './incidentState';
import { SearchAttributes, type Stage } from './messages';

export function enterStage(state: IncidentState, stage: Stage, detail?: string): void {
  state.enterStage(stage);
  state.record(`stage: ${stage}`, detail);
  upsertSearchAttributes([{ key: SearchAttributes.stage, value: stage }]);
  setDetails(state, detail);
}

/** Markdown shown as the workflow's current details in the Temporal UI. */
function setDetails(state: IncidentState, detail?: string): void {
  setCurrentDetails(`**Stage:** ${state.stage}${state.level === undefined ? '' : ` · **Level:** ${state.level}`}${detail ? ` — ${detail}` : ''}`);
}
