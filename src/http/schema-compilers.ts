/**
 * Fastify's own schema compilers (Ajv for validation, fast-json-stringify for
 * serialisation), loaded the first time a route asks for one. Gust's routes declare no
 * schemas (each parses its body once, itself: see server.ts), so a server never asks, and
 * loading them up front cost every `gust serve` about a fifth of its start-up (issue 19).
 * Should a route declare a schema one day, it gets the very compilers Fastify would have
 * chosen, resolved from Fastify's own dependencies.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type Builder<K extends keyof CompilersFactory> = NonNullable<CompilersFactory[K]>;

/** Compiler factories that require Fastify's defaults at their first call. */
export function lazySchemaCompilers(): CompilersFactory {
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  let validator: Builder<'buildValidator'> | undefined;
  let serializer: Builder<'buildSerializer'> | undefined;
  return {
    buildValidator: (externalSchemas, options) => {
      validator ??= (fromFastify('@fastify/ajv-compiler') as () => Builder<'buildValidator'>)();
      return validator(externalSchemas, options);
    },
    buildSerializer: (externalSchemas, options) => {
      serializer ??= (fromFastify('@fastify/fast-json-stringify-compiler') as () => Builder<'buildSerializer'>)();
      return serializer(externalSchemas, options);
    },
  };
}
