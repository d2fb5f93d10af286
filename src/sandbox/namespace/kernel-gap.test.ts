/** Which kernels the namespace driver refuses (namespace-setup.ts `kernelGap`). */
import { describe, expect, it } from 'vitest';
import { kernelGap } from './namespace-setup.js';

describe('kernelGap', () => {
  it('refuses kernels before 5.8, naming the release', () => {
    expect(kernelGap('4.18.0-553.el8_10.x86_64')).toMatch(/needs Linux 5\.8 or later.*4\.18\.0-553\.el8_10\.x86_64/);
    expect(kernelGap('5.4.0-150-generic')).toMatch(/5\.8 or later/);
    expect(kernelGap('5.7.19')).toMatch(/5\.8 or later/);
  });

  it('takes 5.8 and later, and a release it cannot read', () => {
    for (const r of ['5.8.0', '5.10.0-30-amd64', '5.15.0-91-generic', '6.1.0-18-amd64', '6.18.44-fc-v1300']) expect(kernelGap(r)).toBeUndefined();
    expect(kernelGap('unknown')).toBeUndefined();
  });
});
