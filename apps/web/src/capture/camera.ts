/** The camera source: the device list and one camera's video track (its sound is the microphone's business). */
import { TabcastError } from '@tabcast/shared';
import { captureError } from './capture-errors.ts';

export interface DeviceChoice {
  deviceId: string;
  label: string;
}

/** Video or audio inputs; labels are empty until the page has been allowed a device once. */
export async function listDevices(kind: 'videoinput' | 'audioinput'): Promise<DeviceChoice[]> {
  const devices = await navigator.mediaDevices?.enumerateDevices().catch(() => []) ?? [];
  return devices.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}` }));
}

export async function openCamera(deviceId: string | null, frameRate: number): Promise<MediaStreamTrack> {
  if (!navigator.mediaDevices?.getUserMedia) throw new TabcastError('capture-failed', 'This browser cannot open a camera (no getUserMedia).');
  try {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: frameRate, max: frameRate } },
    });
    return stream.getVideoTracks()[0]!;
  } catch (err) {
    throw captureError(err, 'Camera');
  }
}
