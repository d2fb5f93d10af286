/**
 * Gust's file-descriptor budget, checked at start-up: how many environments the process's
 * open-files limit holds at their worst (a runtime holding all 16 Runtime API connections
 * gust-init relays), against the account concurrency limit. Node cannot raise the limit
 * itself, so a short one is reported with the way to raise it.
 */
import { readFileSync } from 'node:fs';
import { MAX_RUNTIME_API_CONNECTIONS } from '../sandbox/namespace/runtime-api-relay.js';

/** Worst case per namespace environment: 16 connections, each one socket the endpoint serves (runtime-api-relay.ts), + listeners and pipes. */
export const DESCRIPTORS_PER_ENVIRONMENT = MAX_RUNTIME_API_CONNECTIONS + 7;
/** Kept for everything that is not an environment: stores, HTTP clients, logs. */
const RESERVED = 256;

export interface DescriptorBudget {
  limit: number;
  environments: number;
}

/** The soft open-files limit of this process (from /proc), or undefined where there is none to read. */
export function openFilesLimit(limits = '/proc/self/limits'): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(limits, 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

export function descriptorBudget(limit: number): DescriptorBudget {
  return { limit, environments: Math.max(0, Math.floor((limit - RESERVED) / DESCRIPTORS_PER_ENVIRONMENT)) };
}
