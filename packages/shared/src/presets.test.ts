import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENCODING_PROFILES, applyProfile, destinationPushUrl, findPreset, findProfile, splitRtmpUrl } from './presets.ts';

test('a key pasted into the URL is split off as the secret; an explicit key wins', () => {
  assert.deepEqual(splitRtmpUrl('rtmp://a.rtmp.youtube.com/live2/abcd-efgh', ''), { url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: 'abcd-efgh' });
  assert.deepEqual(splitRtmpUrl('rtmps://h:443/app/k/with/slashes', undefined), { url: 'rtmps://h:443/app', streamKey: 'k/with/slashes' });
  assert.deepEqual(splitRtmpUrl('rtmp://host/app', ''), { url: 'rtmp://host/app', streamKey: '' });
  assert.deepEqual(splitRtmpUrl('rtmp://host/app/x', 'explicit'), { url: 'rtmp://host/app/x', streamKey: 'explicit' });
  assert.equal(destinationPushUrl('rtmp://host/app/', 'k'), 'rtmp://host/app/k');
});

test('profiles: battery saving is 480p at 15 fps; high quality raises the bitrate; low latency keeps the preset', () => {
  const p720 = findPreset('720p30');
  const battery = applyProfile(p720, findProfile('battery-saving'));
  assert.equal(battery.height, 480);
  assert.equal(battery.frameRate, 15);
  assert.ok(battery.videoBitrate < findPreset('480p30').videoBitrate);
  const hq = applyProfile(p720, findProfile('high-quality'));
  assert.equal(hq.width, 1280);
  assert.ok(hq.videoBitrate > p720.videoBitrate);
  const ll = applyProfile(p720, findProfile('low-latency'));
  assert.equal(ll.videoBitrate, p720.videoBitrate);
  assert.equal(ll.frameRate, 30);
  assert.ok(applyProfile(findPreset('1080p30'), findProfile('high-quality')).videoBitrate <= 8_000_000);
  for (const p of ENCODING_PROFILES) assert.ok(p.keyframeIntervalMs <= 2_000, `${p.id}: keyframes within the HLS segment target`);
  assert.equal(findProfile('nonsense').id, 'low-latency');
});
