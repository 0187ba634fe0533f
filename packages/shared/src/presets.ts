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

/**
 * Encoding profiles, offered beside the resolution (seed 000's three). Each sets the keyframe
 * interval, the bitrate, the frame rate and WebCodecs' latencyMode; "Battery saving" also caps the
 * resolution. Measured in docs/performance.md (bench/studio-compositor.bench.ts).
 */
export interface EncodingProfile {
  id: 'low-latency' | 'high-quality' | 'battery-saving';
  label: string;
  /** Forced keyframe interval, wall-clock ms (≤ the relay's HLS segment target, 2 s by default). */
  keyframeIntervalMs: number;
  /** The resolution preset's bitrate × this, capped at {@link MAX_PROFILE_BITRATE}. */
  bitrateFactor: number;
  /** Frame rate cap (the preset's rate when lower). */
  maxFrameRate: number;
  /** Height cap: the preset is swapped for the largest one at most this tall. */
  maxHeight: number;
  /** 'realtime': the encoder drops quality before it adds delay; 'quality': it may take longer per frame. */
  latencyMode: 'realtime' | 'quality';
}

export const MAX_PROFILE_BITRATE = 8_000_000;

export const ENCODING_PROFILES = Object.freeze([
  { id: 'low-latency', label: 'Low latency', keyframeIntervalMs: 1_000, bitrateFactor: 1, maxFrameRate: 30, maxHeight: 1080, latencyMode: 'realtime' },
  { id: 'high-quality', label: 'High quality', keyframeIntervalMs: 2_000, bitrateFactor: 1.6, maxFrameRate: 30, maxHeight: 1080, latencyMode: 'quality' },
  { id: 'battery-saving', label: 'Battery saving', keyframeIntervalMs: 2_000, bitrateFactor: 0.5, maxFrameRate: 15, maxHeight: 480, latencyMode: 'realtime' },
] as const satisfies readonly EncodingProfile[]);

export const DEFAULT_PROFILE_ID: EncodingProfile['id'] = 'low-latency';

export function findProfile(id: string): EncodingProfile {
  return ENCODING_PROFILES.find((p) => p.id === id) ?? ENCODING_PROFILES[0];
}

/** A resolution preset as a profile shapes it: size capped, frame rate capped, bitrate scaled. */
export function applyProfile(preset: VideoPreset, profile: EncodingProfile): VideoPreset {
  const base = preset.height <= profile.maxHeight ? preset : [...VIDEO_PRESETS].reverse().find((p) => p.height <= profile.maxHeight) ?? VIDEO_PRESETS[0];
  const frameRate = Math.min(base.frameRate, profile.maxFrameRate);
  const videoBitrate = Math.min(MAX_PROFILE_BITRATE, Math.round((base.videoBitrate * profile.bitrateFactor * frameRate) / base.frameRate / 1000) * 1000);
  return { ...base, id: `${base.id}-${profile.id}`, label: `${base.label.split(' · ')[0]} · ${frameRate} fps · ${(videoBitrate / 1e6).toFixed(2)} Mbps`, frameRate, videoBitrate };
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
