import { test } from 'node:test';
import assert from 'node:assert/strict';
import { destinationHostAllowed } from './destination-hosts.ts';

test('destination hosts: exact names and *.domain; an empty list allows any', () => {
  const allowed = ['a.rtmp.youtube.com', '*.twitch.tv'];
  assert.ok(destinationHostAllowed('rtmp://a.rtmp.youtube.com/live2', allowed));
  assert.ok(destinationHostAllowed('rtmps://live.TWITCH.tv:443/app', allowed));
  assert.ok(!destinationHostAllowed('rtmp://twitch.tv.evil.example/app', allowed));
  assert.ok(!destinationHostAllowed('rtmp://eviltwitch.tv/app', allowed));
  assert.ok(!destinationHostAllowed('rtmp://10.0.0.5/app', allowed), 'internal addresses are refused by the list too');
  assert.ok(destinationHostAllowed('rtmp://10.0.0.5/app', []));
});
