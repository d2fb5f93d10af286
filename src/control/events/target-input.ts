/**
 * What a target is sent: the whole event, the target's constant `Input`, or the part of
 * the event its `InputPath` selects.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html
 *
 * InputPath takes the JSONPath subset that selects one value: `$`, `.name`, `['name']` and
 * `[index]` steps. Filters, wildcards and slices select several values and are refused.
 */
import type { TargetRecord } from '../../core/model/rules.js';

type Step = string | number;

/** Parses an InputPath into its steps, or returns why it is not one Gust can apply. */
export function parseInputPath(path: string): Step[] | { invalid: string } {
  if (!path.startsWith('$')) return { invalid: "it must start with '$'" };
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const dot = /^\.([^.[\]*'"]+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[(?:'([^']*)'|"([^"]*)")\]/.exec(rest);
    if (dot) {
      steps.push(dot[1]!);
      i += dot[0].length;
    } else if (index) {
      steps.push(Number(index[1]));
      i += index[0].length;
    } else if (quoted) {
      steps.push(quoted[1] ?? quoted[2]!);
      i += quoted[0].length;
    } else {
      return { invalid: `unsupported JSONPath at '${rest}'` };
    }
  }
  return steps;
}

/** The value at `steps` in `value`, or undefined when the path leads nowhere. */
function select(value: unknown, steps: Step[]): unknown {
  let current = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return undefined;
      current = current[step];
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}

/**
 * The payload for one target, or undefined when its InputPath selects nothing in this
 * event (the target is then not invoked). Input and InputPath were validated when the
 * target was put.
 */
export function targetPayload(target: Pick<TargetRecord, 'input' | 'inputPath'>, event: unknown): Buffer | undefined {
  if (target.input !== undefined) return Buffer.from(target.input, 'utf8');
  if (target.inputPath === undefined) return Buffer.from(JSON.stringify(event), 'utf8');
  const steps = parseInputPath(target.inputPath);
  if (!Array.isArray(steps)) return undefined;
  const selected = select(event, steps);
  return selected === undefined ? undefined : Buffer.from(JSON.stringify(selected), 'utf8');
}
