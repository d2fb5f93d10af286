/**
 * The State lifecycle of an event source mapping, as AWS reports it. A request moves a
 * mapping into a transitional state (Creating, Enabling, Disabling, Updating, Deleting);
 * the pollers settle it once they follow the new settings. Each transition is checked and
 * set in one step; a request on a mapping that is between states is refused with
 * ResourceInUseException, as AWS refuses it.
 * https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html
 */
import { ResourceInUseException } from '../../core/errors.js';
import type { EventSourceMapping, MappingState } from '../../core/model/event-source-mappings.js';

/** What a request asks of a mapping. */
export type MappingRequest = 'update' | 'enable' | 'disable' | 'delete';

const SETTLED: readonly MappingState[] = ['Enabled', 'Disabled'];

/** The transitional state a request puts a settled mapping in. */
export function requestTransition(mapping: EventSourceMapping, request: MappingRequest): MappingState {
  if (!SETTLED.includes(mapping.state)) {
    const verb = request === 'delete' ? 'delete' : 'update';
    throw new ResourceInUseException(`Cannot ${verb} the event source mapping because it is in use. Its state is ${mapping.state}; try again once it is Enabled or Disabled.`);
  }
  switch (request) {
    case 'delete':
      return 'Deleting';
    case 'enable':
      return mapping.state === 'Enabled' ? 'Updating' : 'Enabling';
    case 'disable':
      return mapping.state === 'Disabled' ? 'Updating' : 'Disabling';
    case 'update':
      return 'Updating';
  }
}

/** Where a transitional state ends once the pollers follow it; undefined for Deleting (the mapping goes). */
export function settledState(mapping: EventSourceMapping): MappingState | undefined {
  switch (mapping.state) {
    case 'Creating':
    case 'Updating':
      return mapping.enabled ? 'Enabled' : 'Disabled';
    case 'Enabling':
      return 'Enabled';
    case 'Disabling':
      return 'Disabled';
    case 'Deleting':
      return undefined;
    default:
      return mapping.state;
  }
}
