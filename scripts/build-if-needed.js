// Builds dist/ when it is missing or older than any source file, so that `npm start`
// works on a fresh clone without a separate build step and stays fast afterwards.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Python writes its bytecode caches beside the runtime's sources when it runs them.
    if (entry.name === '__pycache__') continue;
    const p = join(dir, entry.name);
    const t = entry.isDirectory() ? newest(p) : statSync(p).mtimeMs;
    if (t > latest) latest = t;
  }
  return latest;
}

// The bundle bin/gust.js runs, made by the build.
const marker = 'dist/bundle/cli/main.js';
// dist/runtimes/ (scripts/bundle.js) is made from runtimes/.
if (!existsSync(marker) || statSync(marker).mtimeMs < Math.max(newest('src'), newest('runtimes'))) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle.js'], { stdio: 'inherit' });
}
