// Workflow time. Inside the Temporal sandbox Date is replayed from history, so this is
// deterministic here (and only here: never import it outside src/workflows).
export function workflowNow(offsetMs = 0): string {
  return new Date(new Date().getTime() + offsetMs).toISOString();
}
