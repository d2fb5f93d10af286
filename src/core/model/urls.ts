/** Function URL configurations: one per function (unqualified) or per alias. */

export type UrlAuthType = 'NONE' | 'AWS_IAM';
export type UrlInvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

/** AWS's `Cors` structure, camelCased; absent members were not given. */
export interface UrlCors {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

/** One function URL configuration. */
export interface UrlConfig {
  /** 32 lower-case alphanumerics; the first label of the URL's host name. Never changes. */
  urlId: string;
  functionName: string;
  /** The alias the URL invokes; undefined for the unqualified function (`$LATEST`). */
  qualifier?: string;
  authType: UrlAuthType;
  cors?: UrlCors;
  /** Absent until a request sets it; the API then reports BUFFERED, AWS's default. */
  invokeMode?: UrlInvokeMode;
  /** ISO-8601 timestamps. */
  creationTime: string;
  lastModifiedTime: string;
}
