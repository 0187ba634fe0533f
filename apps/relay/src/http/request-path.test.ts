import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestPath } from './request-path.ts';

test('valid targets give their path; hostile ones give null, never a throw', () => {
  assert.equal(requestPath('/api/streams?x=1'), '/api/streams');
  assert.equal(requestPath('/hls/abc/index.m3u8'), '/hls/abc/index.m3u8');
  for (const bad of [undefined, '', '//[', 'http://a:99999/', '*', 'x', '/' + 'a'.repeat(5000), '//[::1']) {
    assert.doesNotThrow(() => requestPath(bad));
  }
  assert.equal(requestPath('//['), null);
  assert.equal(requestPath('http://a:99999/'), null);
  assert.equal(requestPath('*'), null);
});
