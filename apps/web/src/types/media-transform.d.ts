// Insertable streams for MediaStreamTrack (Chromium): not yet in TypeScript's DOM lib.
interface MediaStreamTrackProcessorInit {
  track: MediaStreamTrack;
  maxBufferSize?: number;
}
declare class MediaStreamTrackProcessor<T extends VideoFrame | AudioData = VideoFrame | AudioData> {
  constructor(init: MediaStreamTrackProcessorInit);
  readonly readable: ReadableStream<T>;
}
// A worker receives a MediaStreamTrack by transfer (Chromium), but TypeScript's WebWorker lib has
// no such type: the little the compositor worker uses of it (merged with the DOM's on the page).
interface MediaStreamTrack {
  stop(): void;
}
