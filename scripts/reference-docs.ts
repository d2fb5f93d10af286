/**
 * The tables of docs/configuration.md and docs/errors.md, generated from the code so that
 * they cannot drift from it: the options from `OPTIONS` (src/server/config.ts), the error
 * catalog (and its SQS part) from the LambdaError classes and the doc comment each carries. A generated table
 * stands between `<!-- generated: <name> … -->` and `<!-- end generated: <name> -->`; the
 * prose around it is written by hand. reference-docs.test.ts fails when a committed table
 * differs from the code, and `npm run docs` rewrites the tables.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as coreErrors from '../src/core/errors.js';
import * as eventsErrors from '../src/control/events/errors.js';
import * as eventsFields from '../src/http/events-api/fields.js';
import * as sqsErrors from '../src/core/sqs-errors.js';
import * as s3Errors from '../src/core/s3-errors.js';
import { OPTIONS, shownDefault } from '../src/server/config.js';

const { LambdaError } = coreErrors;

/** A markdown table; cells are written as given, `|` escaped. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Every option: its flag, variable, default and doc string, in `gust serve --help`'s order. */
export function optionsTable(): string {
  return table(
    ['flag', 'variable', 'default', 'meaning'],
    OPTIONS.map((spec) => {
      const shown = shownDefault(spec);
      // An empty default (a path derived from another option) stays an empty cell; the doc string says what it means.
      return [`\`${spec.flag}\``, `\`${spec.env}\``, shown === '' ? '' : `\`${shown}\``, spec.doc];
    }),
  );
}

/** A module of error classes: its exports and its source file, for the doc comments. */
interface CatalogModule {
  exports: Record<string, unknown>;
  source: string;
}

/** The modules that declare the AWS error types clients see; the first is the shared catalog. */
const CATALOG: readonly CatalogModule[] = [
  { exports: coreErrors, source: '../src/core/errors.ts' },
  { exports: eventsErrors, source: '../src/control/events/errors.ts' },
  { exports: eventsFields, source: '../src/http/events-api/fields.ts' },
];

/** The doc comment of each exported class of a source file, as one line of markdown. */
function classDocs(path: string): Map<string, string> {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const docs = new Map<string, string>();
  for (const statement of file.statements) {
    if (!ts.isClassDeclaration(statement) || !statement.name) continue;
    const comment = ts.getJSDocCommentsAndTags(statement).find(ts.isJSDoc)?.comment;
    const text = ts.getTextOfJSDocComment(comment)?.replace(/\{@link\s+([^}\s]+)\s*\}/g, '`$1`');
    if (text) docs.set(statement.name.text, text.replace(/\s+/g, ' ').trim());
  }
  return docs;
}

/** An instance of each error class `module` exports below `base`, with its doc comment, in declaration order. */
function errorSamples<E extends coreErrors.LambdaError>(module: CatalogModule, base: abstract new (...args: never[]) => E): { sample: E; when: string }[] {
  const docs = classDocs(fileURLToPath(new URL(module.source, import.meta.url)));
  const out: { sample: E; when: string }[] = [];
  for (const [name, value] of Object.entries(module.exports)) {
    if (typeof value !== 'function' || value === base || !(value.prototype instanceof base)) continue;
    // Every catalog constructor takes a message (or a reason, a name, a size) first, or
    // nothing; the instance knows the rest.
    const sample = new (value as new (message: string) => E)('');
    const when = docs.get(name);
    if (when === undefined) throw new Error(`${name} in ${module.source} has no doc comment to say when Gust raises it`);
    out.push({ sample, when });
  }
  return out;
}

/** Every error type of the catalog: its status, fault and when Gust raises it, in declaration order. */
export function errorCatalogTable(): string {
  const rows = CATALOG.flatMap((module) => errorSamples(module, LambdaError)).map(({ sample, when }) => [`\`${sample.awsType}\``, String(sample.status), sample.faultType, when]);
  return table(['type', 'status', 'fault', 'when'], rows);
}

/** Every SQS error type: its shape, query code, status, fault and when Gust raises it. */
export function sqsErrorTable(): string {
  const rows = errorSamples({ exports: sqsErrors, source: '../src/core/sqs-errors.ts' }, sqsErrors.SqsError).map(({ sample, when }) => [
    `\`${sample.awsType}\``,
    `\`${sample.queryCode}\``,
    String(sample.status),
    sample.faultType,
    when,
  ]);
  return table(['shape', 'query code', 'status', 'fault', 'when'], rows);
}

/** Every S3 error code: its status, fault and when Gust raises it. */
export function s3ErrorTable(): string {
  const rows = errorSamples({ exports: s3Errors, source: '../src/core/s3-errors.ts' }, s3Errors.S3Error).map(({ sample, when }) => [`\`${sample.awsType}\``, String(sample.status), sample.faultType, when]);
  return table(['code', 'status', 'fault', 'when'], rows);
}

/** Replaces the generated section `name` of `doc` with `content`; throws when the markers are missing. */
export function withSection(doc: string, name: string, content: string): string {
  const re = new RegExp(`(<!-- generated: ${name}\\b[^>]*-->\\n)[\\s\\S]*?(\\n<!-- end generated: ${name} -->)`);
  if (!re.test(doc)) throw new Error(`no generated section '${name}' (<!-- generated: ${name} … --> … <!-- end generated: ${name} -->)`);
  return doc.replace(re, (_all, begin: string, end: string) => `${begin}${content}${end}`);
}

/** Each generated document: its path from the repository root, and its sections' contents. */
export const GENERATED_DOCS: readonly { path: string; sections: Record<string, () => string> }[] = [
  { path: 'docs/configuration.md', sections: { options: optionsTable } },
  { path: 'docs/errors.md', sections: { catalog: errorCatalogTable, 'sqs-errors': sqsErrorTable, 's3-errors': s3ErrorTable } },
];
