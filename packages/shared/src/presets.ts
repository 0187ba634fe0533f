/** Encoding presets the studio offers. 720p30 is the default: the software H.264 encoder keeps up with it on 2 cores. */
export interface VideoPreset {
  id: string;
  label: string;
  width: number;
  height: number;
  frameRate: number;
  videoBitrate: number; // bits per second
}

export const VIDEO_PRESETS = Object.freeze([
  { id: '480p30', label: '480p · 30 fps · 1.2 Mbps', width: 854, height: 480, frameRate: 30, videoBitrate: 1_200_000 },
  { id: '720p30', label: '720p · 30 fps · 2.5 Mbps', width: 1280, height: 720, frameRate: 30, videoBitrate: 2_500_000 },
  { id: '1080p30', label: '1080p · 30 fps · 4.5 Mbps', width: 1920, height: 1080, frameRate: 30, videoBitrate: 4_500_000 },
] as const satisfies readonly VideoPreset[]);

export const DEFAULT_PRESET_ID = '720p30';

export const AUDIO_DEFAULTS = Object.freeze({
  sampleRate: 48_000,
  numberOfChannels: 2,
  bitrate: 128_000,
});

/** How often the studio forces a keyframe, in wall-clock ms. Must be ≤ the relay's HLS segment target. */
export const KEYFRAME_INTERVAL_MS = 2_000;

export function findPreset(id: string): VideoPreset {
  return VIDEO_PRESETS.find((p) => p.id === id) ?? VIDEO_PRESETS[1];
}

/** Services the studio offers as destination presets: their RTMP ingest URL (the stream key is appended). */
export const DESTINATION_PRESETS = Object.freeze([
  { id: 'youtube', label: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2' },
  { id: 'twitch', label: 'Twitch', url: 'rtmp://live.twitch.tv/app' },
  { id: 'custom', label: 'Custom RTMP / RTMPS server', url: '' },
] as const);

/**
 * Separates a stream key pasted into the URL (`rtmp://host/app/KEY`) from the server URL, so the
 * key is treated as the secret it is (redacted, encrypted, never shown). An explicit key wins.
 */
export function splitRtmpUrl(url: string, streamKey: string | undefined): { url: string; streamKey: string } {
  if (streamKey) return { url, streamKey };
  const m = url.match(/^(rtmps?:\/\/[^/]+\/[^/]+)\/(.+)$/);
  return m ? { url: m[1]!, streamKey: m[2]! } : { url, streamKey: '' };
}

/** The URL FFmpeg pushes to: the server URL with the stream key as its last path segment. */
export function destinationPushUrl(url: string, streamKey: string | undefined): string {
  if (!streamKey) return url;
  return `${url.replace(/\/+$/, '')}/${streamKey}`;
}
