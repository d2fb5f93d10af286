/**
 * EventDelivery over the InvokeService: each delivery is one asynchronous (`Event`)
 * invocation of the target function with the event as its payload, as EventBridge invokes
 * Lambda. The event is committed to the durable queue before `deliver` resolves, so a
 * firing gets the queue's retries, event age, destinations and dead letters, and a
 * function's failure is recorded there rather than here. As on AWS, the function's resource
 * policy must let `events.amazonaws.com` invoke it for the rule
 * (`aws lambda add-permission --principal events.amazonaws.com --source-arn <rule arn>`);
 * without it the event is refused and dropped, with the reason in the server's log.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
 */
import { AccessDeniedException } from '../../core/errors.js';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import type { EventDelivery } from './delivery.js';

export interface InvokeDeliveryDeps {
  invoker: { invoke(request: InvokeRequest): Promise<InvokeResult> };
  /** Whether the function's resource policy lets EventBridge invoke it for `ruleArn`. */
  permits(functionArn: string, ruleArn: string): boolean;
}

/** Delivers each event as one `Event` invocation of the target function. */
export class InvokeDelivery implements EventDelivery {
  constructor(private readonly deps: InvokeDeliveryDeps) {}

  async deliver(functionArn: string, payload: Buffer, ruleArn: string): Promise<void> {
    if (!this.deps.permits(functionArn, ruleArn)) {
      throw new AccessDeniedException(`The resource policy of ${functionArn} does not allow events.amazonaws.com to invoke it for ${ruleArn} (aws lambda add-permission --principal events.amazonaws.com --source-arn ${ruleArn} ...).`);
    }
    await this.deps.invoker.invoke({ functionName: functionArn, invocationType: 'Event', payload });
  }
}
