/**
 * The latency references Tabcast is measured against, on the same shared tab and with the same
 * read-back: `floor` (the captured track shown directly: nothing can be faster) and `webrtc`
 * (Chromium's own WebRTC, two RTCPeerConnections on loopback, H.264 at the studio's 720p30 and
 * 2.5 Mbps).
 */
import { readTimecode, timecodeBandHeight } from '../timecode/timecode.ts';
import { latencyLog, recordLatency } from './latency-log.ts';

const mode = new URLSearchParams(location.search).get('mode') === 'webrtc' ? 'webrtc' : 'floor';
const video = document.getElementById('out') as HTMLVideoElement;
const status = document.getElementById('status') as HTMLOutputElement;
const button = document.getElementById('start') as HTMLButtonElement;

async function loopback(track: MediaStreamTrack): Promise<MediaStream> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
  const received = new Promise<MediaStream>((resolve) => (b.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]))));
  const transceiver = a.addTransceiver(track, { direction: 'sendonly', streams: [new MediaStream([track])] });
  const h264 = (RTCRtpSender.getCapabilities('video')?.codecs ?? []).filter((c) => c.mimeType === 'video/H264');
  if (h264.length) transceiver.setCodecPreferences(h264);
  const params = transceiver.sender.getParameters();
  params.encodings = [{ maxBitrate: 2_500_000, maxFramerate: 30 }];
  await transceiver.sender.setParameters(params).catch(() => undefined);
  // Start at the studio's bitrate: WebRTC otherwise starts near 300 kbps and sends 320×180 for
  // many seconds while its bandwidth estimate ramps up on loopback (the timecode is unreadable there).
  const fast = (d: RTCSessionDescriptionInit): RTCSessionDescriptionInit => ({
    type: d.type,
    sdp: d.sdp?.replace(/(a=fmtp:\d+ [^\r\n]*packetization-mode=1[^\r\n]*)/g, '$1;x-google-start-bitrate=2500;x-google-min-bitrate=1500;x-google-max-bitrate=2500'),
  });
  const offer = fast(await a.createOffer());
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = fast(await b.createAnswer());
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  (globalThis as unknown as { tabcastPeers: unknown }).tabcastPeers = [a, b];
  return received;
}

function readBack(): void {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const onFrame = () => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (w && h) {
      canvas.width = w;
      canvas.height = 1;
      ctx.drawImage(video, 0, Math.floor(timecodeBandHeight(h) / 2), w, 1, 0, 0, w, 1);
      const now = Date.now();
      const ts = readTimecode(ctx.getImageData(0, 0, w, 1).data, w, 0, now);
      latencyLog().frames++;
      if (ts !== null) recordLatency(now - ts, now);
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

button.onclick = async () => {
  button.disabled = true;
  try {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: { width: { max: 1280 }, height: { max: 720 }, frameRate: { ideal: 30, max: 30 } }, audio: false });
    const track = display.getVideoTracks()[0]!;
    // 'motion': WebRTC treats 'detail'/'text' as a screencast and sends it at a few frames a second
    // (measured here: 1 fps), which is no reference for a 30 fps stream.
    track.contentHint = 'motion';
    video.srcObject = mode === 'webrtc' ? await loopback(track) : display;
    readBack();
    status.textContent = `${mode}: playing`;
    status.dataset.state = 'playing';
  } catch (err) {
    status.textContent = `${mode}: ${(err as Error).message}`;
    status.dataset.state = 'error';
  }
};
