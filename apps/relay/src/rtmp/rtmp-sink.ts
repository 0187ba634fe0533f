/** An RTMP destination as a {@link PipeSink}: FFmpeg's FLV on fd 3, published by {@link RtmpPublisher}. */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PipeSink } from '../outputs/ffmpeg-run.ts';
import { RtmpPublisher, type RtmpPublisherOptions, type RtmpTarget } from './rtmp-publisher.ts';

export function rtmpPipeSink(target: RtmpTarget, o: RtmpPublisherOptions): PipeSink {
  const publisher = new RtmpPublisher(target, o);
  return {
    get ready() {
      return publisher.live;
    },
    run: async (out: Readable) => {
      const failed = new Promise<never>((_, reject) => publisher.onFailure(reject));
      failed.catch(() => undefined); // observed through the race below; never unhandled
      try {
        await Promise.race([publisher.connect(), failed]);
        await Promise.race([pipeline(out, publisher.sink()), failed]);
      } catch (err) {
        out.destroy();
        publisher.destroy();
        throw err;
      }
    },
    abort: () => publisher.destroy(),
  };
}
