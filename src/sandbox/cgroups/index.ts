/**
 * Cgroup limits for execution environments, on cgroup v1, v2 and hybrid hosts: see
 * cgroup-types.ts for the interfaces and docs/sandbox.md ("Cgroups") for the choices.
 */
export type { CgroupController, CgroupHost, CgroupLimits, CgroupMode, CgroupSupport, EnvironmentCgroup } from './cgroup-types.js';
export { detectCgroups, type DetectOptions } from './detect.js';
export { MB_PER_VCPU } from './environment-cgroup.js';
export { LAMBDA_NOFILE, LAMBDA_PIDS_MAX, LIMIT_AND_JOIN, launcherCommand, type LaunchTarget, type LauncherOptions } from './launcher.js';
