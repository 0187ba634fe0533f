/**
 * The relay's own RTMP client against a real nginx-rtmp: plain, through TLS (rtmps, a local TLS
 * front with a throwaway CA), and refusals in words.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tls from 'node:tls';
import { RtmpPublisher } from '../src/rtmp/rtmp-publisher.ts';
import { loadFixture } from './support/fixture.ts';
import { startRtmpServer } from './support/nginx-rtmp.ts';
import { freePort } from './support/relay-child.ts';

/** The fixture as FLV (H.264 + AAC), as a destination's FFmpeg makes it, on a readable. */
async function flvStream(): Promise<{ stdout: NodeJS.ReadableStream; seconds: number }> {
  await loadFixture({ seconds: 4 });
  const dir = process.env.TABCAST_FIXTURE_DIR || path.join(os.tmpdir(), 'tabcast-fixtures');
  const src = path.join(dir, 'src-4s-1280x720-30-2500k-g60-a.mkv');
  const ff = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', src, '-c:v', 'copy', '-c:a', 'aac', '-f', 'flv', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return { stdout: ff.stdout, seconds: 4 };
}

function duration(file: string): number {
  return Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}

async function publishAll(url: string, key: string, tlsOptions?: { ca: string }): Promise<void> {
  const pub = new RtmpPublisher({ url, streamKey: key }, { connectTimeoutMs: 5_000, ...(tlsOptions ? { tls: tlsOptions } : {}) });
  await pub.connect();
  assert.equal(pub.live, true);
  const { stdout } = await flvStream();
  await pipeline(stdout, pub.sink());
  await new Promise((r) => setTimeout(r, 300));
}

test('publishes FLV to nginx-rtmp: the recording is H.264 + AAC as long as the input', async () => {
  const server = await startRtmpServer(await freePort());
  try {
    await publishAll(server.url, 'plain-key');
    const recs = server.recordings();
    assert.equal(recs.length, 1);
    assert.match(path.basename(recs[0]!), /^plain-key/);
    assert.ok(Math.abs(duration(recs[0]!) - 4) < 1, `recorded ${duration(recs[0]!)} s`);
    const codecs = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', recs[0]!], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(codecs, ['aac', 'h264']);
  } finally {
    await server.stop();
  }
});

test('rtmps:// goes through TLS (verified against the given CA)', async () => {
  const server = await startRtmpServer(await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabcast-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'pipe' });
  const cert = fs.readFileSync(`${dir}/cert.pem`, 'utf8');
  // A TLS front for nginx-rtmp (which speaks plain RTMP only).
  const front = tls.createServer({ key: fs.readFileSync(`${dir}/key.pem`), cert }, (client) => {
    const upstream = net.connect(server.port, '127.0.0.1');
    pipeline(client, upstream).catch(() => undefined);
    pipeline(upstream, client).catch(() => undefined);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const port = (front.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      new RtmpPublisher({ url: `rtmps://localhost:${port}/live`, streamKey: 'k' }, { connectTimeoutMs: 5_000 }).connect(),
      /could not connect to rtmps:\/\/localhost:\d+: .*(self[- ]signed|certificate)/i,
      'an unknown certificate is refused',
    );
    await publishAll(`rtmps://localhost:${port}/live`, 'tls-key', { ca: cert });
    const recs = server.recordings();
    assert.equal(recs.length, 1);
    assert.ok(duration(recs[0]!) > 3);
  } finally {
    front.close();
    await server.stop();
  }
});

test('refusals come back in words, without the key', async () => {
  const port = await freePort();
  const err = await new RtmpPublisher({ url: `rtmp://127.0.0.1:${port}/live`, streamKey: 'secret-k' }, { connectTimeoutMs: 2_000 }).connect().catch((e: Error) => e);
  assert.match(String(err), /could not connect to rtmp:\/\/127\.0\.0\.1:\d+: connection refused/);
  // A server that accepts TCP but never speaks RTMP: the connect timeout, in words.
  const silent = net.createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const url = `rtmp://127.0.0.1:${(silent.address() as net.AddressInfo).port}/live`;
    const e2 = await new RtmpPublisher({ url, streamKey: 'secret-k' }, { connectTimeoutMs: 1_000 }).connect().catch((e: Error) => e);
    assert.match(String(e2), /did not accept the stream within 1 s/);
    assert.ok(!String(e2).includes('secret-k') && !String(err).includes('secret-k'));
  } finally {
    silent.close();
  }
});
