/** Types of prune-bundle.js, which scripts/bundle.js runs with plain Node. */
export declare const LAST_BUILD: string;
export declare function pruneBundle(dir: string, outputs: string[]): string[];
