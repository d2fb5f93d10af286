/**
 * The Lambda API plugin of the HTTP edge: its route table, one module per resource, each
 * given the plugin's narrow context of the account a request acts in.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpPlugin } from '../server.js';
import type { LambdaApiSpaces } from './context.js';
import { registerFunctionRoutes } from './functions.js';
import { registerVersionRoutes } from './versions.js';
import { registerAliasRoutes } from './aliases.js';
import { registerConcurrencyRoutes } from './concurrency.js';
import { registerProvisionedConcurrencyRoutes } from './provisioned-concurrency.js';
import { registerTagRoutes } from './tags.js';
import { registerAccountRoutes } from './account.js';
import { registerLayerRoutes } from './layers.js';
import { registerCodeRoutes } from './code.js';
import { leanInvoke, registerInvokeRoutes } from './invoke.js';
import { registerLogRoutes } from './logs.js';
import { registerUrlConfigRoutes } from './urls.js';
import { registerEventInvokeConfigRoutes } from './event-invoke-config.js';
import { registerAsyncEventRoutes } from './async-events.js';
import { registerEventSourceMappingRoutes } from './event-source-mappings.js';
import { registerPolicyRoutes } from './policy.js';

export type RouteModule = (app: FastifyInstance, spaces: LambdaApiSpaces) => void;

export const ROUTE_MODULES: readonly RouteModule[] = [
  registerFunctionRoutes,
  registerVersionRoutes,
  registerAliasRoutes,
  registerConcurrencyRoutes,
  registerProvisionedConcurrencyRoutes,
  registerTagRoutes,
  registerAccountRoutes,
  registerLayerRoutes,
  registerCodeRoutes,
  registerInvokeRoutes,
  registerLogRoutes,
  registerUrlConfigRoutes,
  registerEventInvokeConfigRoutes,
  registerAsyncEventRoutes,
  registerEventSourceMappingRoutes,
  registerPolicyRoutes,
];

/** The Lambda REST API (`/2015-03-31/…` and its dated siblings) and Gust's own `/gust/…` routes. */
export function lambdaApi(spaces: LambdaApiSpaces): HttpPlugin {
  return {
    register(app) {
      for (const register of ROUTE_MODULES) register(app, spaces);
    },
    leanRoutes: [leanInvoke(spaces)],
  };
}
