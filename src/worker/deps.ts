// Adapters chosen from configuration, handed to createActivities.
import type { ActivityDeps } from '../activities';
import { FileFlagStore } from '../adapters/fileFlagStore';
import { probeHttp } from '../adapters/httpCheck';
import { PagerDutyClient } from '../adapters/pagerduty';
import { SlackNotifier } from '../adapters/slack';
import type { WorkerConfig } from '../config';

export function activityDeps(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  return {
    flagStore: (store) => new FileFlagStore(store.path ?? config.FLAG_STORE_PATH),
    ...(config.SLACK_BOT_TOKEN ? { slack: new SlackNotifier({ token: config.SLACK_BOT_TOKEN, slackApiUrl: config.SLACK_API_URL }) } : {}),
    pagerduty: new PagerDutyClient({ baseUrl: config.PAGERDUTY_EVENTS_URL }),
    secret: (name) => env[name] || undefined,
    probeHttp,
  };
}
