/**
 * Capture on the main thread: the shared screen/window/tab (or the test pattern) whose video goes
 * to the compositor, and the audio mixer with the tab's sound and an optional microphone. The
 * shared source can end (the browser's "Stop sharing") and be shared again without the broadcast
 * noticing: the mixer's track and the compositor's output carry on.
 */
import { TabcastError, type VideoPreset } from '@tabcast/shared';
import { AudioMixer } from '../audio/mixer.ts';
import { captureError } from './capture-errors.ts';
import { shareDisplay } from './display.ts';
import { startTestPattern, type TestPattern } from './test-pattern.ts';

export type SourceKind = 'screen' | 'test-pattern';

export interface MicrophoneOptions {
  deviceId: string | null;
  echoCancellation: boolean;
  noiseSuppression: boolean;
}

export interface CaptureOptions {
  source: SourceKind;
  /** Ask for the tab's or system's audio with the screen share. */
  systemAudio: boolean;
  microphone: MicrophoneOptions | null;
  preset: VideoPreset;
}

/** Mixer channel ids. */
export const DISPLAY_AUDIO = 'display';
export const MICROPHONE = 'microphone';

export interface CaptureSession {
  mixer: AudioMixer;
  /** The shared screen's (or pattern's) video; replaced by shareAgain(). */
  video: MediaStreamTrack;
  /** The mixed audio track (never null; silent when there is no source). */
  audio: MediaStreamTrack;
  /** 'motion' | 'detail' | 'text' | '' — passed to the encoder as a content hint. */
  contentHint: string;
  /** Non-fatal problems to show (e.g. microphone denied). */
  warnings: string[];
  /** What the capture carries, for the status line. */
  describe: string;
  /** Called each time the shared source is closed from the browser's own UI. */
  onEnded(cb: () => void): void;
  /** Asks for a screen, window or tab again; its video and sound replace the old ones. */
  shareAgain(): Promise<MediaStreamTrack>;
  /** Adds, replaces (new options) or removes (null) the microphone; resolves to a warning or null. */
  setMicrophone(o: MicrophoneOptions | null): Promise<string | null>;
  stop(): void;
}

export async function startCapture(o: CaptureOptions, sampleRate: number): Promise<CaptureSession> {
  if (!window.isSecureContext) {
    throw new TabcastError('capture-failed', 'Capture needs a secure page: open the studio over https:// or on http://localhost.');
  }
  const warnings: string[] = [];
  let display: MediaStream;
  let pattern: TestPattern | null = null;
  if (o.source === 'test-pattern') {
    pattern = startTestPattern(o.preset.width, o.preset.height, o.preset.frameRate);
    display = pattern.stream;
  } else {
    display = await shareDisplay(o.preset, o.systemAudio);
  }
  const stopDisplay = () => (pattern ? pattern.stop() : display.getTracks().forEach((t) => t.stop()));
  let video = display.getVideoTracks()[0];
  if (!video) {
    stopDisplay();
    throw new TabcastError('capture-failed', 'The shared source has no video.');
  }
  let mixer: AudioMixer;
  try {
    mixer = await AudioMixer.create(sampleRate);
  } catch (err) {
    stopDisplay();
    throw new TabcastError('capture-failed', `The audio mixer could not start: ${(err as Error).message}`);
  }

  const sources: string[] = [];
  if (pattern && o.systemAudio) {
    // The test pattern's "tab audio" is its own beep.
    const beep = new GainNode(mixer.ctx);
    pattern.attachBeep(mixer.ctx, beep);
    mixer.addNode(DISPLAY_AUDIO, 'Test pattern beep', beep);
    sources.push('a beep each second');
  }
  const attachDisplayAudio = (stream: MediaStream): boolean => {
    const track = stream.getAudioTracks()[0];
    if (track) mixer.addTrack(DISPLAY_AUDIO, 'Tab audio', track);
    else if (!pattern) mixer.remove(DISPLAY_AUDIO);
    return !!track;
  };
  if (attachDisplayAudio(display)) sources.push('tab/system audio');
  else if (o.systemAudio && o.source === 'screen') warnings.push('No tab or system audio was shared (tick "Share audio" in the browser\'s picker to include it).');

  let mic: MediaStream | null = null;
  const setMicrophone = async (m: MicrophoneOptions | null): Promise<string | null> => {
    mic?.getTracks().forEach((t) => t.stop());
    mic = null;
    mixer.remove(MICROPHONE);
    if (!m) return null;
    try {
      mic = await navigator.mediaDevices.getUserMedia({
        audio: { ...(m.deviceId ? { deviceId: { exact: m.deviceId } } : {}), echoCancellation: m.echoCancellation, noiseSuppression: m.noiseSuppression, autoGainControl: false },
      });
      mixer.addTrack(MICROPHONE, 'Microphone', mic.getAudioTracks()[0]!);
      return null;
    } catch (err) {
      return captureError(err, 'Microphone').message;
    }
  };
  if (o.microphone) {
    const problem = await setMicrophone(o.microphone);
    if (problem) warnings.push(problem + ' Going live without it.');
    else sources.push('microphone');
  }

  const settings = video.getSettings();
  const contentHint = video.contentHint || (o.source === 'test-pattern' ? 'motion' : 'detail');
  const size = settings.width && settings.height ? `${settings.width}×${settings.height}` : 'unknown size';
  const describe = `${o.source === 'test-pattern' ? 'test pattern' : (settings.displaySurface ?? 'screen')} ${size}${sources.length ? ' + ' + sources.join(' + ') : ', no audio (silence sent)'}`;

  let endedCb: (() => void) | null = null;
  const watch = (track: MediaStreamTrack) => track.addEventListener('ended', () => track === session.video && endedCb?.(), { once: true });
  let stopped = false;
  const session: CaptureSession = {
    mixer,
    video,
    audio: mixer.output,
    contentHint,
    warnings,
    describe,
    onEnded: (cb) => (endedCb = cb),
    async shareAgain() {
      const next = await shareDisplay(o.preset, o.systemAudio);
      const track = next.getVideoTracks()[0];
      if (!track) {
        next.getTracks().forEach((t) => t.stop());
        throw new TabcastError('capture-failed', 'The shared source has no video.');
      }
      if (!pattern) display.getTracks().forEach((t) => t.stop());
      display = next;
      video = track;
      session.video = track;
      attachDisplayAudio(next);
      watch(track);
      return track;
    },
    setMicrophone,
    stop: () => {
      if (stopped) return;
      stopped = true;
      endedCb = null;
      session.video.stop();
      stopDisplay();
      mic?.getTracks().forEach((t) => t.stop());
      mixer.close();
    },
  };
  watch(video);
  return session;
}
