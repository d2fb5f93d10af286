/** The benchmark's functions: tiny handlers zipped in memory. */
import yazl from 'yazl';

export const HANDLERS = {
  nodeHello: { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': "exports.handler = async (event) => ({ ok: true, size: JSON.stringify(event).length });\n" } },
  nodeNoop: { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': 'exports.handler = async () => {};\n' } },
  /** Answers with an id drawn once per runtime process (pids repeat across pid namespaces). */
  nodeSleep: { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': "const id = require('node:crypto').randomUUID();\nexports.handler = async () => { await new Promise((r) => setTimeout(r, 100)); return { id }; };\n" } },
  /** Holds its environment for a second, so that concurrent invokes each need their own. */
  nodeHold: { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return { ok: true }; };\n' } },
  /** Holds its environment for 20 s: the one slot of a function whose other invokes are throttled. */
  nodeBusy: { runtime: 'nodejs20.x', handler: 'index.handler', files: { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 20000)); return { ok: true }; };\n' } },
  pythonHello: { runtime: 'python3.11', handler: 'lambda_function.lambda_handler', files: { 'lambda_function.py': "def lambda_handler(event, context):\n    return {'ok': True}\n" } },
};

export function zipFiles(files) {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name, { mode: 0o100644 });
    zip.end();
    const chunks = [];
    zip.outputStream.on('data', (c) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** A JSON payload of about `bytes` bytes. */
export function payloadOf(bytes) {
  const base = { name: 'bench', pad: '' };
  const overhead = JSON.stringify(base).length;
  base.pad = 'x'.repeat(Math.max(0, bytes - overhead));
  return Buffer.from(JSON.stringify(base));
}
