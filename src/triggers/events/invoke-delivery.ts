/**
 * EventDelivery over the InvokeService: each delivery is one invocation of the target
 * function with the event as its payload. EventBridge invokes Lambda asynchronously
 * (`Event`); until Gust's asynchronous queue is wired into the InvokeService, the
 * composition root asks for `RequestResponse`, which runs the function at once (the
 * dispatcher never makes a caller wait for it) but has no retries or dead letters.
 */
import type { Logger } from 'pino';
import type { InvokeRequest, InvokeResult } from '../../invoke/invoke-types.js';
import type { EventDelivery } from './delivery.js';

export interface InvokeDeliveryOptions {
  invoker: { invoke(request: InvokeRequest): Promise<InvokeResult> };
  invocationType: 'Event' | 'RequestResponse';
  log: Pick<Logger, 'warn'>;
}

/** Delivers each event as one invocation of the target function through the InvokeService. */
export class InvokeDelivery implements EventDelivery {
  constructor(private readonly options: InvokeDeliveryOptions) {}

  async deliver(functionArn: string, payload: Buffer): Promise<void> {
    const result = await this.options.invoker.invoke({ functionName: functionArn, invocationType: this.options.invocationType, payload });
    if (result.functionError) {
      // A function's own failure is its business (and its log's); the delivery itself worked.
      this.options.log.warn({ function: functionArn, requestId: result.requestId, errorType: result.errorType }, 'event target function failed');
    }
  }
}
