/** Where the CLI looks for a server when nothing says otherwise; kept apart so `gust serve` loads no SDK. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';
export const DEFAULT_REGION = 'us-east-1';
