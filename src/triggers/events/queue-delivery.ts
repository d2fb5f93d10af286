/**
 * EventDelivery to SQS targets, and the routing of each delivery by its target's service:
 * EventBridge sends an event to a queue as one message whose body is the event (or what
 * the target's Input or InputPath makes of it); the delivery is done once SendMessage has
 * committed the message.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
 */
import type { QueueSender } from '../../control/sqs/queue-service.js';
import type { EventDelivery } from './delivery.js';

/** Sends each event as one message to the target queue. */
export class QueueDelivery implements EventDelivery {
  constructor(private readonly queues: QueueSender) {}

  async deliver(queueArn: string, payload: Buffer): Promise<void> {
    const name = this.queues.queueNameOfArn(queueArn);
    if (name === undefined) throw new Error(`The target queue ${queueArn} does not exist.`);
    await this.queues.send(name, { body: payload.toString('utf8') });
  }
}

/** Delivers to SQS queues through `queues` and to everything else (Lambda functions) through `functions`. */
export function routeDeliveries(targets: { functions: EventDelivery; queues: EventDelivery }): EventDelivery {
  return {
    deliver: (arn, payload, ruleArn) => (arn.split(':')[2] === 'sqs' ? targets.queues : targets.functions).deliver(arn, payload, ruleArn),
  };
}
