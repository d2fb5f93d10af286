/**
 * The S3 part of the error catalog. S3 answers every error as
 * `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>` with a code
 * that is also the SDK's exception name, the HTTP status of S3's table, and a few
 * extra elements naming what was missing (`BucketName`, `Key`, …). Each class carries all
 * three; http/s3-api renders them in one place. HEAD requests get the status alone, as S3
 * sends no body to a HEAD.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */
import type { AuthFailure } from './auth-failure.js';
import { LambdaError } from './errors.js';

/** Base of every S3 error: its code, status, message and the extra elements of its XML body. */
export class S3Error extends LambdaError {
  constructor(code: string, status: number, message: string, fields: Record<string, string> = {}) {
    super(code, status, message, status >= 500 ? 'Service' : 'User', fields);
  }
}

/** A bucket that does not exist. */
export class NoSuchBucket extends S3Error {
  constructor(bucket: string) { super('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }); }
}

/** A key that does not exist. */
export class NoSuchKey extends S3Error {
  constructor(key: string) { super('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }); }
}

/** A multipart upload id that does not exist (completed, aborted, or never created). */
export class NoSuchUpload extends S3Error {
  constructor(uploadId: string) { super('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId }); }
}

/** A bucket without tags, or without the configuration asked for. */
export class NoSuchTagSet extends S3Error {
  constructor() { super('NoSuchTagSet', 404, 'The TagSet does not exist'); }
}

/** CreateBucket of a name this account already has, in a bucket outside us-east-1 (there S3 answers 200 for legacy compatibility, and so does Gust). */
export class BucketAlreadyOwnedByYou extends S3Error {
  constructor(bucket: string) { super('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.', { BucketName: bucket }); }
}

/** CreateBucket of a name another account owns: bucket names are shared by every account. */
export class BucketAlreadyExists extends S3Error {
  constructor(bucket: string) { super('BucketAlreadyExists', 409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.', { BucketName: bucket }); }
}

/** DeleteBucket of a bucket that still holds objects or multipart uploads. */
export class BucketNotEmpty extends S3Error {
  constructor(bucket: string) { super('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', { BucketName: bucket }); }
}

/** A bucket name outside S3's naming rules. */
export class InvalidBucketName extends S3Error {
  constructor(bucket: string) { super('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket }); }
}

/** A Range none of whose bytes lie inside the object. */
export class InvalidRange extends S3Error {
  constructor(range: string, size: number) { super('InvalidRange', 416, 'The requested range is not satisfiable', { RangeRequested: range, ActualObjectSize: String(size) }); }
}

/** Content-MD5 or x-amz-checksum-* that does not match the bytes received. */
export class BadDigest extends S3Error {
  constructor(message = 'The Content-MD5 you specified did not match what we received.') { super('BadDigest', 400, message); }
}

/** A Content-MD5 that is not base64 of 16 bytes. */
export class InvalidDigest extends S3Error {
  constructor() { super('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'); }
}

/** An argument S3 refuses (a max-keys that is not a number, a bad continuation token, a part number out of range, …). */
export class InvalidArgument extends S3Error {
  constructor(message: string, name?: string, value?: string) {
    super('InvalidArgument', 400, message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' });
  }
}

/** An object request to a bucket that lives in an external store (Gust keeps only its notification configuration); S3's signature version 2 on a server that verifies signatures (Gust verifies SigV4 only, as S3 does in every region opened since 2014). */
export class InvalidRequest extends S3Error {
  constructor(message: string) { super('InvalidRequest', 400, message); }
}

/** A delivery of external bucket events without the webhook token Gust gave; an unsigned request to a server that verifies signatures, a presigned URL past its expiry (`Request has expired`), or a caller of another account. */
export class AccessDenied extends S3Error {
  constructor(message = 'Access Denied', fields: Record<string, string> = {}) { super('AccessDenied', 403, message, fields); }
}

/** A body S3 cannot read: a malformed aws-chunked stream, a body shorter than its declared length. */
export class IncompleteBody extends S3Error {
  constructor(message = 'You did not provide the number of bytes specified by the Content-Length HTTP header.') { super('IncompleteBody', 400, message); }
}

/** XML that does not parse or does not follow S3's schema. */
export class MalformedXML extends S3Error {
  constructor() { super('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.'); }
}

/** CompleteMultipartUpload naming a part that was not uploaded, or whose ETag differs. */
export class InvalidPart extends S3Error {
  constructor() { super('InvalidPart', 400, 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.'); }
}

/** CompleteMultipartUpload whose parts are not in ascending order. */
export class InvalidPartOrder extends S3Error {
  constructor() { super('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.'); }
}

/** A part other than the last smaller than 5 MiB. */
export class EntityTooSmall extends S3Error {
  constructor() { super('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.'); }
}

/** A single PUT over 5 GiB. */
export class EntityTooLarge extends S3Error {
  constructor() { super('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size'); }
}

/** A condition (If-Match, If-Unmodified-Since) that does not hold. */
export class PreconditionFailed extends S3Error {
  constructor(condition: string) { super('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold', { Condition: condition }); }
}

/** If-None-Match or If-Modified-Since that says the client's copy is current: 304, no body. */
export class NotModified extends S3Error {
  constructor() { super('NotModified', 304, 'Not Modified'); }
}

/** A notification configuration S3 refuses (overlapping filters, an unknown event, a function that does not exist). */
export class InvalidNotificationConfiguration extends S3Error {
  constructor(message: string) { super('InvalidArgument', 400, message); }
}

/** A request Gust does not serve (an S3 subresource it does not implement). */
export class NotImplemented extends S3Error {
  constructor(what: string) { super('NotImplemented', 501, `A header or query you provided implies functionality that is not implemented: ${what}`); }
}

/** A method the resource does not allow. */
export class MethodNotAllowed extends S3Error {
  constructor() { super('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'); }
}

/** A request that arrives after the server began to close (the core ServiceUnavailable, in S3's shape). */
export class S3ServiceUnavailable extends S3Error {
  constructor(message: string) { super('ServiceUnavailable', 503, message); }
}

/** Anything unexpected: logged with its cause, answered without it. */
export class InternalError extends S3Error {
  constructor(requestId: string) { super('InternalError', 500, `We encountered an internal error. Please try again. (request ${requestId})`); }
}

/** A request signed with an access key no account has. */
export class InvalidAccessKeyId extends S3Error {
  constructor(accessKeyId: string) { super('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId }); }
}

/** A signature that does not match (wrong secret, altered request), a chunk signature out of its chain included. */
export class SignatureDoesNotMatch extends S3Error {
  constructor(accessKeyId: string) { super('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', { AWSAccessKeyId: accessKeyId }); }
}

/** A signing time more than 15 minutes from Gust's clock. */
export class RequestTimeTooSkewed extends S3Error {
  constructor(requestTime: string, serverTime: string) {
    super('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', { RequestTime: requestTime, ServerTime: serverTime, MaxAllowedSkewMilliseconds: '900000' });
  }
}

/** A function's temporary credentials past their expiry. */
export class ExpiredToken extends S3Error {
  constructor() { super('ExpiredToken', 400, 'The provided token has expired.'); }
}

/** A session token Gust did not mint, or one of a deleted function. */
export class InvalidToken extends S3Error {
  constructor() { super('InvalidToken', 400, 'The provided token is malformed or otherwise invalid.'); }
}

/** An Authorization header that is not a well-formed SigV4 one. */
export class AuthorizationHeaderMalformed extends S3Error {
  constructor() { super('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.'); }
}

/** A body whose SHA-256 is not the x-amz-content-sha256 the signature covers; nothing is stored. */
export class XAmzContentSHA256Mismatch extends S3Error {
  constructor(declared: string, computed: string) {
    super('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.", { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: computed });
  }
}

/** S3's error for a request whose caller could not be established. */
export function s3AuthError(failure: AuthFailure): S3Error {
  const d = failure.details;
  switch (failure.reason) {
    case 'missing':
      return new AccessDenied();
    case 'malformed':
      return new AuthorizationHeaderMalformed();
    case 'unsupported':
      return new InvalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    case 'unknown-key':
      return new InvalidAccessKeyId(d.accessKeyId ?? '');
    case 'invalid-token':
      return new InvalidToken();
    case 'expired-token':
      return new ExpiredToken();
    case 'skew':
      return new RequestTimeTooSkewed(d.requestTime ?? '', d.serverTime ?? '');
    case 'presign-expired':
      return new AccessDenied('Request has expired', { 'X-Amz-Expires': String(d.expiresSeconds ?? ''), Expires: d.expiredAt ?? '', ServerTime: (d.serverTime ?? '').replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z') });
    case 'signature':
      return new SignatureDoesNotMatch(d.accessKeyId ?? '');
    case 'payload-hash':
      return new XAmzContentSHA256Mismatch(d.declaredSha256 ?? '', d.computedSha256 ?? '');
  }
}
