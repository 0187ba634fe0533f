/**
 * The studio's scenes and video sources, as reactive state: the layout, the camera (on/off, its
 * device), the lower third, "Be right back", and the shared screen's lifecycle. Each change goes
 * to the compositor at once, live or not. When the broadcaster presses the browser's own "Stop
 * sharing", the broadcast stays up: the scene falls back to the camera (or "Be right back") until
 * they share again.
 */
import { listDevices, openCamera, type DeviceChoice } from '../../capture/camera.ts';
import type { CaptureSession } from '../../capture/capture-session.ts';
import type { CompositorClient } from '../../compositor/compositor-client.ts';
import type { CompositorSettings } from '../../compositor/compositor.ts';
import { DEFAULT_SCENE_OPTIONS, SCENES, fallbackScene, type SceneId, type SceneOptions } from '../../compositor/layout.ts';
import { TabcastError } from '@tabcast/shared';

export class StudioSources {
  scene = $state<SceneId>('screen');
  options = $state<SceneOptions>({ ...DEFAULT_SCENE_OPTIONS });
  title = $state({ text: '', subtitle: '' });
  brbText = $state('Be right back');
  cameraOn = $state(false);
  cameraBusy = $state(false);
  cameras = $state<DeviceChoice[]>([]);
  microphones = $state<DeviceChoice[]>([]);
  cameraId = $state('');
  /** The shared screen was closed from the browser's UI while live; "Share again" is offered. */
  shareEnded = $state(false);
  readonly sceneLabel = $derived(SCENES.find((s) => s.id === this.scene)?.label ?? '');

  private compositor = $state<CompositorClient | null>(null);
  private camera: MediaStreamTrack | null = null;
  private capture: CaptureSession | null = null;
  private sceneBeforeFallback: SceneId = 'screen';
  private stopEffects: () => void;

  constructor(private getCompositor: () => CompositorClient, private warn: (message: string) => void) {
    this.stopEffects = $effect.root(() => {
      $effect(() => {
        const settings = this.settings();
        void this.compositor?.configure(settings);
      });
    });
    void this.refreshDevices();
    navigator.mediaDevices?.addEventListener?.('devicechange', this.refreshDevices);
  }

  /** What the compositor needs to draw the current scene. */
  settings(): Pick<CompositorSettings, 'scene' | 'options' | 'title' | 'brbText'> {
    return { scene: this.scene, options: { ...this.options }, title: { ...this.title }, brbText: this.brbText };
  }

  attach(compositor: CompositorClient): void {
    this.compositor = compositor;
  }

  private refreshDevices = async (): Promise<void> => {
    this.cameras = await listDevices('videoinput');
    this.microphones = await listDevices('audioinput');
  };

  async toggleCamera(frameRate: number): Promise<void> {
    if (this.cameraOn) return this.closeCamera();
    await this.reopenCamera(frameRate);
    if (this.cameraOn && this.scene === 'screen') this.scene = 'screen-camera';
  }

  async reopenCamera(frameRate: number): Promise<void> {
    this.cameraBusy = true;
    try {
      const track = await openCamera(this.cameraId || null, frameRate);
      this.camera?.stop();
      this.camera = track;
      track.addEventListener('ended', () => {
        if (this.camera === track) this.warn('The camera stopped (unplugged or taken by another app): its layer shows a placeholder. Press "Camera" twice to try again.');
      });
      await this.getCompositor().setTrack('camera', track);
      this.cameraOn = true;
      await this.refreshDevices();
    } catch (err) {
      this.warn(TabcastError.wrap(err, 'capture-failed').message);
    } finally {
      this.cameraBusy = false;
    }
  }

  private async closeCamera(): Promise<void> {
    this.camera?.stop();
    this.camera = null;
    this.cameraOn = false;
    await this.compositor?.setTrack('camera', null);
    if (this.scene === 'screen-camera') this.scene = 'screen';
  }

  async setImage(file: File | null): Promise<void> {
    try {
      await this.getCompositor().setImage(file);
    } catch (err) {
      this.options = { ...this.options, brbImage: false };
      this.warn(`That image could not be read: ${(err as Error).message}`);
    }
  }

  /** The broadcast's screen (or test pattern) is up; `canShareAgain` for a real share. */
  screenShared(capture: CaptureSession, canShareAgain: boolean): void {
    this.capture = capture;
    this.shareEnded = false;
    capture.onEnded(() => {
      if (!canShareAgain) return;
      this.sceneBeforeFallback = this.scene;
      this.scene = fallbackScene(this.cameraOn && this.camera?.readyState === 'live');
      this.shareEnded = true;
    });
  }

  /** Shares a screen, window or tab again: same broadcast, same stream, the scene from before. */
  async shareAgain(): Promise<void> {
    if (!this.capture) return;
    try {
      const track = await this.capture.shareAgain();
      await this.getCompositor().setTrack('screen', track);
      this.shareEnded = false;
      this.scene = this.sceneBeforeFallback;
    } catch (err) {
      this.warn(TabcastError.wrap(err, 'capture-failed').message);
    }
  }

  /** The broadcast ended: the screen goes; the camera (a preview source) stays. */
  screenGone(): void {
    this.capture = null;
    if (this.shareEnded) this.scene = this.sceneBeforeFallback;
    this.shareEnded = false;
  }

  destroy(): void {
    this.stopEffects();
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.refreshDevices);
    this.camera?.stop();
  }
}
