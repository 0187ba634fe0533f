import { test } from 'node:test';
import assert from 'node:assert/strict';
import { destinationPushUrl, splitRtmpUrl } from './presets.ts';

test('a key pasted into the URL is split off as the secret; an explicit key wins', () => {
  assert.deepEqual(splitRtmpUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh', ''), { url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'abcd-efgh' });
  assert.deepEqual(splitRtmpUrl('rtmps://h:443/app/k/with/slashes', undefined), { url: 'rtmps://h:443/app', streamKey: 'k/with/slashes' });
  assert.deepEqual(splitRtmpUrl('rtmp://host/app', ''), { url: 'rtmp://host/app', streamKey: '' });
  assert.deepEqual(splitRtmpUrl('rtmp://host/app/x', 'explicit'), { url: 'rtmp://host/app/x', streamKey: 'explicit' });
  assert.equal(destinationPushUrl('rtmp://host/app/', 'k'), 'rtmp://host/app/k');
});
