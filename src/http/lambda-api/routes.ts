/** The Lambda API's route table: one module per resource. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.js';
import { registerFunctionRoutes } from './functions.js';
import { registerVersionRoutes } from './versions.js';
import { registerAliasRoutes } from './aliases.js';
import { registerConcurrencyRoutes } from './concurrency.js';
import { registerTagRoutes } from './tags.js';
import { registerAccountRoutes } from './account.js';
import { registerLayerRoutes } from './layers.js';
import { registerCodeRoutes } from './code.js';
import { registerInvokeRoutes } from './invoke.js';
import { registerLogRoutes } from './logs.js';
import { registerUrlConfigRoutes } from './urls.js';
import { registerEventInvokeConfigRoutes } from './event-invoke-config.js';
import { registerAsyncEventRoutes } from './async-events.js';
import { registerEventSourceMappingRoutes } from './event-source-mappings.js';
import { registerFunctionUrlRoutes } from '../function-urls/url-routes.js';

export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => void;

export const ROUTE_MODULES: RouteModule[] = [
  registerFunctionRoutes,
  registerVersionRoutes,
  registerAliasRoutes,
  registerConcurrencyRoutes,
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
  // Not Lambda API routes: the function URLs that share the port (see function-urls/).
  registerFunctionUrlRoutes,
];
