/**
 * Access to `GET /gust/code/{hash}.zip` (see auth/code-urls.ts): on a server that verifies
 * requests, GetFunction's and GetLayerVersion's locations carry Gust's signed, expiring
 * query, which is checked here; a download without one must be SigV4-signed like any
 * other request. On an open server the location is the plain path and anything goes.
 */
import type { FastifyRequest } from 'fastify';
import type { Verified } from '../../auth/caller.js';
import type { CodeUrlSigner } from '../../auth/code-urls.js';
import type { RequestToVerify } from '../../auth/verifier.js';
import { AuthFailure } from '../../core/auth-failure.js';
import { toVerify } from '../edge-auth.js';
import type { CodeUrls } from './context.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function codeUrls(signer: CodeUrlSigner, verifier: { enforcingNow(): boolean; verify(request: RequestToVerify): Promise<Verified> }): CodeUrls {
  return {
    query: (hash) => (verifier.enforcingNow() ? signer.query(hash) : ''),
    async allows(request: FastifyRequest, hash: string): Promise<boolean> {
      const q = request.url.indexOf('?');
      const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
      if (/(?:^|&)X-Gust-Signature=/.test(rawQuery)) {
        if (!signer.valid(hash, rawQuery)) throw new AuthFailure('presign-expired', {});
        return true;
      }
      await verifier.verify(toVerify(request, EMPTY_SHA256));
      return true;
    },
  };
}
