/**
 * Free loopback ports, found by binding port 0 and releasing it. Another process can take a port between the
 * release and its use; on a test machine that is rare enough to accept.
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** A TCP port that is free on 127.0.0.1 now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port from listen(0)'));
      });
    });
  });
}

function bindUdp(port: number): Promise<dgram.Socket | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(null);
    });
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

/**
 * `count` UDP ports P that are free on 127.0.0.1 together with P + 1: FFmpeg's RTP output sends RTCP to
 * P + 1, which must not land in another stream's RTP port. All are held until all are found, so none repeats.
 */
export async function freeUdpPortPairs(count: number): Promise<number[]> {
  const held: dgram.Socket[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt > 100) throw new Error(`no ${count} free UDP port pairs on 127.0.0.1`);
      const first = await bindUdp(0);
      if (first === null) continue;
      held.push(first);
      const port = first.address().port;
      if (port >= 65535) continue;
      const second = await bindUdp(port + 1);
      if (second === null) continue;
      held.push(second);
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }
}
