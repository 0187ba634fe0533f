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
        port.onmessage = null;
        port.close();
      },
    },
    new CountQueuingStrategy({ highWaterMark: MAX_QUEUED_FRAMES }),
  );
}
