/**
 * Finds and loads the function's handler from `_HANDLER` the way AWS's Node.js runtime does
 * (`UserFunction.js`): `[dir/]module.export[.nested]`, resolved under LAMBDA_TASK_ROOT.
 * - an extensionless file and `.js` are required as CommonJS, unless the nearest package.json
 *   says `"type": "module"`, in which case `.js` is imported as an ES module;
 * - then `.mjs` is imported, `.cjs` required; last, a bare module name is resolved from the
 *   task root (node_modules, NODE_PATH: layers).
 * An ES module handler's bare imports fall back to NODE_PATH too (node-path-hooks.mjs), as
 * Lambda's runtime resolves layers and its own AWS SDK for them.
 * Failures are the runtime's typed errors: Runtime.ImportModuleError (a module not found, by
 * require or by import),
 * Runtime.UserCodeSyntaxError, Runtime.HandlerNotFound, Runtime.MalformedHandlerName.
 */
import { existsSync, readFileSync } from 'node:fs';
import module, { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandlerNotFound, ImportModuleError, MalformedHandlerName, UserCodeSyntaxError } from './errors.mjs';
import { nodePathParents, resolveSync } from './node-path-hooks.mjs';

const require = createRequire(import.meta.url);

/** Loads the handler function named by `handlerString` under `appRoot`. */
export async function loadHandler(appRoot, handlerString) {
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(`'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const base = path.basename(handlerString);
  const moduleRoot = handlerString.slice(0, handlerString.indexOf(base));
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, handlerPath] = match;

  const app = await loadModule(appRoot, moduleRoot, moduleName);
  const fn = handlerPath.split('.').reduce((obj, key) => obj && obj[key], app);
  if (!fn) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${handlerString} is not a function`);
  return fn;
}

async function loadModule(appRoot, moduleRoot, moduleName) {
  try {
    const file = path.resolve(appRoot, moduleRoot, moduleName);
    if (existsSync(file)) return require(file);
    const typeModule = hasTypeModule(path.dirname(file));
    if (!typeModule && existsSync(`${file}.js`)) return require(`${file}.js`);
    if (typeModule && existsSync(`${file}.js`)) return await importModule(`${file}.js`);
    if (existsSync(`${file}.mjs`)) return await importModule(`${file}.mjs`);
    if (existsSync(`${file}.cjs`)) return require(`${file}.cjs`);
    // require() resolves relative to this file, not the task root: give it the paths.
    return require(require.resolve(moduleName, { paths: [appRoot, path.join(appRoot, moduleRoot)] }));
  } catch (err) {
    if (err instanceof SyntaxError) throw new UserCodeSyntaxError(err);
    if (isModuleNotFound(err)) throw new ImportModuleError(err);
    throw err;
  }
}

/**
 * A module that could not be found: `require`'s MODULE_NOT_FOUND, or `import`'s
 * ERR_MODULE_NOT_FOUND, which an ES module handler's missing package throws. AWS reports both
 * as Runtime.ImportModuleError ("Error: Cannot find package 'x' imported from
 * /var/task/index.mjs"), the message being the error as a string.
 */
function isModuleNotFound(err) {
  return err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND';
}

/** Imports an ES module handler, its bare imports resolved through NODE_PATH too (layers, the runtime's SDK). */
function importModule(file) {
  const parents = nodePathParents(process.env.NODE_PATH);
  if (parents.length > 0) {
    if (typeof module.registerHooks === 'function') module.registerHooks({ resolve: (s, c, next) => resolveSync(parents, s, c, next) });
    else module.register('./node-path-hooks.mjs', import.meta.url, { data: { parents } });
  }
  return import(pathToFileURL(file).href);
}

/** Whether the nearest package.json (stopping at node_modules) declares `"type": "module"`. */
function hasTypeModule(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        return JSON.parse(readFileSync(pj, 'utf8'))?.type === 'module';
      } catch (err) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, err);
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}
