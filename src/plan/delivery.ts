// How long a notification is tried when a plan does not say. Kept apart from the zod
// schema because workflows read it too, and anything importing zod puts zod into every
// workflow's sandbox (megabytes per cached workflow).
export const DEFAULT_DELIVERY = { attemptTimeout: '5s', giveUpAfter: '5m' };
