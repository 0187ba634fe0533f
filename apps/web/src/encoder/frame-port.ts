/**
 * Output frames of the compositor worker arriving on a MessagePort, as the stream the Publisher
 * reads. Bounded: at most {@link MAX_QUEUED_FRAMES} wait; past that a frame is closed on arrival
 * (the newest picture follows in one frame interval, and the encoder's pacing copes with a gap).
 */
export const MAX_QUEUED_FRAMES = 2;

export function framesFromPort(port: MessagePort): ReadableStream<VideoFrame> {
  return new ReadableStream<VideoFrame>(
    {
      start(controller) {
        port.onmessage = (ev: MessageEvent<VideoFrame>) => {
          if ((controller.desiredSize ?? 0) <= 0) ev.data.close();
          else controller.enqueue(ev.data);
        };
        port.start();
      },
      cancel() {
        // Frames already on their way are closed as they land, not left to the garbage collector.
        port.onmessage = (ev: MessageEvent<VideoFrame>) => ev.data.close();
        setTimeout(() => port.close(), 1_000);
      },
    },
    new CountQueuingStrategy({ highWaterMark: MAX_QUEUED_FRAMES }),
  );
}
