/**
 * EventDelivery over the InvokeService: each delivery is one asynchronous (`Event`)
 * invocation of the target function with the event as its payload, as EventBridge invokes
 * Lambda. The event is committed to the durable queue before `deliver` resolves, so a
 * firing gets the queue's retries, event age, destinations and dead letters, and a
 * function's failure is recorded there rather than here.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
 */
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import type { EventDelivery } from './delivery.js';

/** Delivers each event as one `Event` invocation of the target function. */
export class InvokeDelivery implements EventDelivery {
  constructor(private readonly invoker: { invoke(request: InvokeRequest): Promise<InvokeResult> }) {}

  async deliver(functionArn: string, payload: Buffer): Promise<void> {
    await this.invoker.invoke({ functionName: functionArn, invocationType: 'Event', payload });
  }
}
