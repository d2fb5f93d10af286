/**
 * NODE_PATH for ES modules. Node's ESM resolver ignores NODE_PATH, but on Lambda an ES
 * module handler imports packages from layers (/opt/nodejs/node_modules) and the AWS SDK
 * from the runtime (/var/runtime/node_modules) without bundling them. A bare specifier the
 * default resolution cannot find (the function's own node_modules always wins) is resolved
 * again as if imported from inside each NODE_PATH node_modules directory, in NODE_PATH's
 * order, with the importer's conditions (so `import` gets a package's ES build).
 *
 * Used through module.registerHooks where Node has it (22.15+: synchronous, in-thread),
 * else as a module.register() hooks module (a loader thread; Node 18 and 20).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** A URL inside the parent of each node_modules directory on `nodePath`: resolving from it searches that directory first. */
export function nodePathParents(nodePath) {
  return (nodePath ?? '')
    .split(':')
    .filter((dir) => dir.endsWith('/node_modules'))
    .map((dir) => pathToFileURL(path.join(path.dirname(dir), 'gust-node-path.js')).href);
}

const isBare = (specifier) => !/^(\.|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
const notFound = (err) => err?.code === 'ERR_MODULE_NOT_FOUND';

let parents = [];

/** module.register's initialize hook: the NODE_PATH parents from the main thread. */
export function initialize(data) {
  parents = data.parents;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (!notFound(err) || !isBare(specifier)) throw err;
    for (const parentURL of parents) {
      try {
        return await nextResolve(specifier, { ...context, parentURL });
      } catch (again) {
        if (!notFound(again)) throw again;
      }
    }
    throw err;
  }
}

/** The same for module.registerHooks, which runs synchronously. */
export function resolveSync(parentURLs, specifier, context, nextResolve) {
  try {
    return nextResolve(specifier, context);
  } catch (err) {
    if (!notFound(err) || !isBare(specifier)) throw err;
    for (const parentURL of parentURLs) {
      try {
        return nextResolve(specifier, { ...context, parentURL });
      } catch (again) {
        if (!notFound(again)) throw again;
      }
    }
    throw err;
  }
}
