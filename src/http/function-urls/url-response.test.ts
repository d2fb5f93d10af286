import { describe, expect, it } from 'vitest';
import { toUrlResponse, type UrlResponse } from './url-response.js';

const ok = (value: unknown) => toUrlResponse({ payload: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) });
const text = (r: UrlResponse) => ({ status: r.status, headers: r.headers, body: r.body.toString() });
const JSON_HEADER: [string, string] = ['content-type', 'application/json'];

describe('toUrlResponse', () => {
  // The cases LocalStack recorded against AWS (test_lambda_url_invocation).
  it.each([
    ['an object without statusCode, re-serialised compactly', '{"hello": "world"}', '{"hello":"world"}'],
    ['a list', '["hello", 3, true]', '["hello",3,true]'],
    ['a string, as its bare text', '"hello"', 'hello'],
    ['an integer', '3', '3'],
    ['a float', '3.1', '3.1'],
    ['a boolean', 'true', 'true'],
    ['null', 'null', 'null'],
  ])('answers %s with 200 application/json', (_, payload, body) => {
    expect(text(ok(payload))).toEqual({ status: 200, headers: [JSON_HEADER], body });
  });

  it('maps a structured answer: status, headers, cookies and body', () => {
    const r = ok({
      statusCode: 201,
      headers: { 'Content-Type': 'text/html', 'My-Custom-Header': 'Custom Value', 'X-Number': 7, 'Content-Length': '999', 'X-Object': { no: 1 } },
      body: '<p>hi</p>',
      cookies: ['Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT', 'Cookie_2=Value2; Max-Age=78000'],
      isBase64Encoded: false,
    });
    expect(text(r)).toEqual({
      status: 201,
      headers: [
        ['Content-Type', 'text/html'],
        ['My-Custom-Header', 'Custom Value'],
        ['X-Number', '7'],
        ['set-cookie', 'Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT'],
        ['set-cookie', 'Cookie_2=Value2; Max-Age=78000'],
      ],
      body: '<p>hi</p>',
    });
  });

  it('defaults the content type, takes a status given as a string, and allows no body', () => {
    expect(text(ok({ statusCode: '418', body: "i'm a teapot" }))).toEqual({ status: 418, headers: [JSON_HEADER], body: "i'm a teapot" });
    expect(text(ok({ statusCode: 204 }))).toEqual({ status: 204, headers: [JSON_HEADER], body: '' });
    expect(text(ok({ statusCode: 200, body: { nested: true } }))).toEqual({ status: 200, headers: [JSON_HEADER], body: '{"nested":true}' });
  });

  it('decodes a base64 body byte for byte', () => {
    const bytes = Buffer.from([0, 159, 146, 150, 255]);
    const r = ok({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: bytes.toString('base64'), isBase64Encoded: true });
    expect(r.body.equals(bytes)).toBe(true);
  });

  it('answers 502 Internal Server Error for function errors, bad status codes and non-JSON payloads', () => {
    const bad = { status: 502, headers: [JSON_HEADER], body: 'Internal Server Error' };
    expect(text(toUrlResponse({ payload: Buffer.from('{"errorType":"Error"}'), functionError: 'Unhandled' }))).toEqual(bad);
    expect(text(ok({ statusCode: 'abc' }))).toEqual(bad);
    expect(text(ok({ statusCode: 42 }))).toEqual(bad);
    expect(text(ok('not json'))).toEqual(bad);
  });

  it('answers an empty payload with an empty 200', () => {
    expect(text(ok(''))).toEqual({ status: 200, headers: [JSON_HEADER], body: '' });
  });
});
