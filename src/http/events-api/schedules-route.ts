/**
 * `GET /gust/schedules`: Gust's own view of its scheduled rules, for `gust schedules`.
 * Each rule with a ScheduleExpression, with its state and the time the scheduler fires it
 * next (absent for a disabled rule, or a cron whose years have passed). EventBridge has no
 * operation that tells the next firing, so this is a Gust route beside the API, like
 * `/gust/events` and `/gust/logs`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventsBackend } from './backend.js';
import { defined } from './fields.js';

export function registerSchedulesRoute(app: FastifyInstance, backendOf: (request: FastifyRequest) => EventsBackend): void {
  app.get('/gust/schedules', async (request) => {
    const backend = backendOf(request);
    return {
      schedules: (await backend.rules.listAllRules())
        .filter((rule) => rule.scheduleExpression !== undefined)
        .map((rule) => {
          const next = backend.schedules.nextFiring(rule.eventBusName, rule.name);
          return defined({
            name: rule.name,
            arn: rule.arn,
            scheduleExpression: rule.scheduleExpression,
            state: rule.state,
            nextFiring: next === undefined ? undefined : new Date(next).toISOString(),
          });
        }),
    };
  });
}
