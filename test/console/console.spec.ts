/**
 * The web console in a real browser against a real server (process sandbox): the tour of
 * its pages, a test invoke whose result and log lines appear live, axe-core on every page,
 * and screenshots under test-artifacts/console/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { allowS3 } from '../s3/support.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGust, type TestGust } from '../helpers/gust.js';
import { createFunction, invoke } from '../helpers/lambda.js';
import { browserMissing, launch, screenshot, seriousViolations } from './browser.js';

const missing = browserMissing();
if (missing) console.log(`skipping the console suite: ${missing}`);

const HANDLER = `exports.handler = async (event) => {
  console.log('saw', JSON.stringify(event.Records?.[0]?.eventSource ?? event.source ?? 'unknown'));
  return { ok: true, bucket: event.Records?.[0]?.s3?.bucket?.name };
};
`;

describe.skipIf(missing !== undefined)('web console', () => {
  let t: TestGust;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    t = await startTestGust({ flags: { sandbox: 'process' } });
    await createFunction(t.lambda, 'hello', { files: { 'index.js': HANDLER }, Description: 'console test' });
    const sqs = new SQSClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await sqs.send(new CreateQueueCommand({ QueueName: 'orders' }));
    sqs.destroy();
    const events = new EventBridgeClient({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await events.send(new PutRuleCommand({ Name: 'every-hour', ScheduleExpression: 'rate(1 hour)' }));
    await events.send(new PutTargetsCommand({ Rule: 'every-hour', Targets: [{ Id: 'hello', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:hello' }] }));
    events.destroy();
    const s3 = new S3Client({ endpoint: t.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    await allowS3(t.lambda, 'hello', 'uploads');
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello', Events: ['s3:ObjectCreated:*'] }] } }));
    s3.destroy();
    browser = await launch();
    // axe is injected as an inline script, which the console's CSP refuses by design.
    context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  async function check(name: string): Promise<void> {
    await screenshot(page, name);
    expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  }

  it('lists functions without sign-in on an open server', async () => {
    await page.goto(`${t.url}/console/`);
    await page.getByRole('link', { name: 'hello' }).waitFor();
    await page.getByRole('cell', { name: 'Active' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await check('functions');
  });

  it('shows a function and invokes it from the test panel, the result and log lines live', async () => {
    await page.getByRole('link', { name: 'hello' }).click();
    await page.getByRole('heading', { level: 1, name: 'hello' }).waitFor();
    await page.getByText('nodejs20.x').first().waitFor();
    await page.getByText('every-hour: rate(1 hour) (ENABLED)').waitFor();
    await page.getByRole('listitem').filter({ hasText: 'S3 bucket notifications' }).getByText('uploads').waitFor();
    // Without the metrics routes on this branch the charts say so instead of drawing nothing.
    await page.locator('[data-testid="no-metrics"], figure.chart').first().waitFor();
    await page.getByLabel('Sample event').selectOption('S3 object created');
    await page.getByRole('button', { name: 'Invoke' }).click();
    const result = page.getByTestId('invoke-result');
    await result.getByText('Succeeded').waitFor({ timeout: 15_000 });
    expect(await result.textContent()).toContain('"bucket":"example-bucket"');
    expect(await result.textContent()).toContain('REPORT RequestId');
    const log = page.getByRole('log', { name: 'Log lines' });
    await log.getByText('saw "aws:s3"').waitFor({ timeout: 10_000 });
    await log.getByText(/REPORT RequestId/).first().waitFor();
    await check('function');
  });

  it('draws the last hour from the metrics contract (served here by the browser, not Gust)', async () => {
    const p = await context.newPage();
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 59 * 60_000;
    const minutes = Array.from({ length: 60 }, (_, i) => ({ t: start + i * 60_000, invocations: i % 7, errors: i % 13 === 0 ? 1 : 0, throttles: 0, p50: i % 7 ? 12 : null, p99: i % 7 ? 40 + i : null, maxConcurrency: i % 3 }));
    await p.route((url) => url.pathname === '/gust/metrics/history', (route) => route.fulfill({ json: { function: 'hello', minutes } }));
    await p.goto(`${t.url}/console/#/functions/hello`);
    await p.locator('figure.chart canvas').nth(2).waitFor();
    expect(await p.locator('figure.chart').count()).toBe(3);
    const total = minutes.reduce((n, m) => n + m.invocations, 0);
    expect(await p.locator('[data-summary="invocations"]').textContent()).toContain(`Invocations: ${total}`);
    expect(await p.locator('[data-summary="duration"]').textContent()).toContain('p99: 99');
    await screenshot(p, 'function-charts');
    await p.close();
  });

  // Runs once the metrics routes (branch metrics) are on this server: the real chart moves.
  it('moves the invocations chart after invokes, on the real metrics routes', async (ctx) => {
    const probe = await fetch(`${t.url}/gust/metrics/history?function=hello`);
    if (probe.status === 404) ctx.skip();
    const p = await context.newPage();
    await p.goto(`${t.url}/console/#/functions/hello`);
    const summary = p.locator('[data-summary="invocations"]');
    await summary.waitFor();
    const before = Number(/Invocations: (\d+)/.exec((await summary.textContent()) ?? '')?.[1]);
    for (let i = 0; i < 3; i++) await invoke(t.lambda, 'hello', {});
    await p.reload();
    await p.waitForFunction(`Number(/Invocations: (\\d+)/.exec(document.querySelector('[data-summary="invocations"]')?.textContent ?? '')?.[1]) >= ${before + 3}`, undefined, { timeout: 20_000 });
    await p.close();
  });

  it('tours the async queue, queues and buckets', async () => {
    await page.goto(`${t.url}/console/`);
    await page.getByRole('link', { name: 'Async queue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Async queue' }).waitFor();
    await page.getByText('Queued', { exact: true }).waitFor();
    await check('async-queue');
    await page.getByRole('link', { name: 'Queues' }).click();
    await page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
    await page.getByText('orders').first().waitFor();
    await check('queues');
    await page.getByRole('link', { name: 'Buckets' }).click();
    await page.getByRole('heading', { level: 1, name: 'Buckets' }).waitFor();
    await page.getByRole('cell', { name: 'uploads', exact: true }).waitFor();
    await check('buckets');
  });

  it('fits a phone', async () => {
    // Not isMobile: a mobile viewport zooms out to fit a page that is too wide, hiding the overflow this checks.
    const phone = await browser.newContext({ bypassCSP: true, viewport: { width: 375, height: 740 }, hasTouch: true });
    const p = await phone.newPage();
    await p.goto(`${t.url}/console/#/functions/hello`);
    await p.getByRole('heading', { level: 1, name: 'hello' }).waitFor();
    await p.getByLabel('Sample event').waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(p, 'function-phone');
    await p.goto(`${t.url}/console/#/functions`);
    await p.getByRole('link', { name: 'hello' }).waitFor();
    expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(p, 'functions-phone');
    await phone.close();
  });

  it('is keyboard-usable: a skip link first, then the sections', async () => {
    page = await context.newPage();
    await page.goto(`${t.url}/console/#/functions`);
    await page.getByRole('link', { name: 'hello' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Functions');
  });
});
