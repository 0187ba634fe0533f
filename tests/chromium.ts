/** How tests and benchmarks launch Chromium here: Debian's build, headless, fake capture devices. */
export const CHROMIUM_PATH = process.env.PLAYWRIGHT_CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * The fake capture devices run at 20 fps unless told otherwise; `fps=30` makes the fake screen a
 * 720p30 source, which is what the benchmarks measure.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream=fps=30',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
