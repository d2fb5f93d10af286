/**
 * Function URL configuration routes (`/2021-10-31/functions/{FunctionName}/url[s]`):
 * CreateFunctionUrlConfig (201), GetFunctionUrlConfig, UpdateFunctionUrlConfig,
 * DeleteFunctionUrlConfig (204) and ListFunctionUrlConfigs. The qualifier is the
 * `Qualifier` query parameter or a `:alias` suffix of the name.
 */
import type { FastifyInstance } from 'fastify';
import { parseFunctionName } from '../../core/arn.js';
import type { UrlConfigInput } from '../../control/url-service.js';
import type { UrlConfig, UrlCors } from '../../core/model/urls.js';
import type { LambdaApiContext, LambdaApiSpaces } from './context.js';
import { JsonObject, functionTarget, pathParam, queryInt, queryString } from './fn-request.js';

const URL_PATH = '/2021-10-31/functions/:FunctionName/url';
/** https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionUrlConfig.html: BUFFERED is the default. */
const DEFAULT_INVOKE_MODE = 'BUFFERED';

/**
 * The URL CreateFunctionUrlConfig hands out: the path form on the server's own address
 * (`http://127.0.0.1:<port>/lambda-url/<url-id>/`), which every client reaches as given.
 * AWS's host-name form (`<url-id>.lambda-url.<region>.localhost`) is served too, but Node's
 * fetch and Python's resolvers do not map `*.localhost` to loopback (ENOTFOUND), so tests
 * that call the URL they were given would fail with it.
 */
export function functionUrl(urlId: string, baseUrl: string): string {
  return `${baseUrl}/lambda-url/${urlId}/`;
}

function readCors(body: JsonObject): UrlCors | undefined {
  const cors = body.object('Cors');
  if (!cors) return undefined;
  const out: UrlCors = {};
  const allowCredentials = cors.boolean('AllowCredentials');
  if (allowCredentials !== undefined) out.allowCredentials = allowCredentials;
  for (const [key, member] of [
    ['allowHeaders', 'AllowHeaders'],
    ['allowMethods', 'AllowMethods'],
    ['allowOrigins', 'AllowOrigins'],
    ['exposeHeaders', 'ExposeHeaders'],
  ] as const) {
    const list = cors.stringList(member);
    if (list !== undefined) out[key] = list;
  }
  const maxAge = cors.integer('MaxAge');
  if (maxAge !== undefined) out.maxAge = maxAge;
  return out;
}

function renderCors(cors: UrlCors): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (cors.allowCredentials !== undefined) out.AllowCredentials = cors.allowCredentials;
  if (cors.allowHeaders !== undefined) out.AllowHeaders = cors.allowHeaders;
  if (cors.allowMethods !== undefined) out.AllowMethods = cors.allowMethods;
  if (cors.allowOrigins !== undefined) out.AllowOrigins = cors.allowOrigins;
  if (cors.exposeHeaders !== undefined) out.ExposeHeaders = cors.exposeHeaders;
  if (cors.maxAge !== undefined) out.MaxAge = cors.maxAge;
  return out;
}

export function registerUrlConfigRoutes(app: FastifyInstance, spaces: LambdaApiSpaces): void {
  /**
   * FunctionUrlConfig; CreateFunctionUrlConfig's answer has no LastModifiedTime. A URL
   * created without InvokeMode reports BUFFERED, the mode AWS gives it.
   */
  const render = ({ urls, baseUrl }: LambdaApiContext, config: UrlConfig, withLastModified = true): Record<string, unknown> => ({
    FunctionUrl: functionUrl(config.urlId, baseUrl()),
    FunctionArn: urls.functionArn(config),
    AuthType: config.authType,
    ...(config.cors === undefined ? {} : { Cors: renderCors(config.cors) }),
    CreationTime: config.creationTime,
    ...(withLastModified ? { LastModifiedTime: config.lastModifiedTime } : {}),
    InvokeMode: config.invokeMode ?? DEFAULT_INVOKE_MODE,
  });

  const input = ({ partition }: LambdaApiContext, request: Parameters<typeof functionTarget>[0], body?: JsonObject): UrlConfigInput => {
    const target = functionTarget(request, partition);
    return {
      functionName: target.name,
      qualifier: target.qualifier,
      ...(body === undefined ? {} : { authType: body.string('AuthType'), cors: readCors(body), invokeMode: body.string('InvokeMode') }),
    };
  };

  app.post(URL_PATH, async (request, reply) => {
    const ctx = spaces.of(request);
    const config = await ctx.urls.create(input(ctx, request, JsonObject.fromBody(request)));
    return reply.code(201).send(render(ctx, config, false));
  });

  app.get(URL_PATH, async (request) => {
    const ctx = spaces.of(request);
    const { functionName, qualifier } = input(ctx, request);
    return render(ctx, ctx.urls.get(functionName, qualifier));
  });

  app.put(URL_PATH, async (request) => {
    const ctx = spaces.of(request);
    return render(ctx, await ctx.urls.update(input(ctx, request, JsonObject.fromBody(request))));
  });

  app.delete(URL_PATH, async (request, reply) => {
    const ctx = spaces.of(request);
    const { functionName, qualifier } = input(ctx, request);
    await ctx.urls.delete(functionName, qualifier);
    return reply.code(204).send();
  });

  app.get(`${URL_PATH}s`, async (request) => {
    const ctx = spaces.of(request);
    // The list covers the function's own URL and its aliases' URLs; a qualifier suffix is ignored, as on AWS.
    const name = parseFunctionName(pathParam(request, 'FunctionName'), ctx.partition).name;
    // AWS returns at most 50 configurations per page, whatever MaxItems asks.
    const maxItems = queryInt(request, 'MaxItems', 1, 10000);
    const page = ctx.urls.list(name, { marker: queryString(request, 'Marker'), maxItems: maxItems === undefined ? undefined : Math.min(maxItems, 50) });
    return {
      FunctionUrlConfigs: page.items.map((c) => render(ctx, c)),
      ...(page.nextMarker === undefined ? {} : { NextMarker: page.nextMarker }),
    };
  });
}
