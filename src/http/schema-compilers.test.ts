import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from './schema-compilers.js';

describe('lazySchemaCompilers', () => {
  it("gives a route that declares a schema Fastify's own validation and serialisation", async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers() } });
    app.post(
      '/typed',
      {
        schema: {
          body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      async (request) => ({ ...(request.body as object), secret: 'dropped by the serializer' }),
    );
    app.get('/plain', async () => ({ kept: true }));
    try {
      const ok = await app.inject({ method: 'POST', url: '/typed', payload: { n: 3 } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ n: 3 });
      const refused = await app.inject({ method: 'POST', url: '/typed', payload: { n: 'three' } });
      expect(refused.statusCode).toBe(400);
      expect((await app.inject({ url: '/plain' })).json()).toEqual({ kept: true });
    } finally {
      await app.close();
    }
  });
});
