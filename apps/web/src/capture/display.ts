/** Sharing a screen, window or tab: the one getDisplayMedia call, used to go live and to share again. */
import { TabcastError, type VideoPreset } from '@tabcast/shared';
import { captureError } from './capture-errors.ts';

/** getDisplayMedia options Chromium has that TypeScript's DOM lib does not list yet. */
interface DisplayOptions extends DisplayMediaStreamOptions {
  /** 'include': the browser offers "Share this tab instead", and the same track switches source. */
  surfaceSwitching?: 'include' | 'exclude';
  controller?: unknown;
}

export async function shareDisplay(preset: VideoPreset, withAudio: boolean): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getDisplayMedia) throw new TabcastError('capture-failed', 'This browser cannot share a screen (no getDisplayMedia).');
  const Controller = (globalThis as { CaptureController?: new () => unknown }).CaptureController;
  const options: DisplayOptions = {
    video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: preset.frameRate, max: preset.frameRate } },
    audio: withAudio,
    surfaceSwitching: 'include',
    ...(Controller ? { controller: new Controller() } : {}),
  };
  try {
    return await navigator.mediaDevices.getDisplayMedia(options);
  } catch (err) {
    throw captureError(err, 'Screen sharing');
  }
}
