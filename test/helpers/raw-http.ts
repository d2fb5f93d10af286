/** A raw TCP connection for tests that write HTTP by hand: pipelining, and what a closing server says. */
import { connect, type Socket } from 'node:net';

/** A connection to `port` that sends `first` at once; `ended` resolves with all it received once the server closes it. */
export function rawConnection(port: number, first: string): { socket: Socket; ended: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.write(first);
  return { socket, ended: new Promise((resolve) => socket.on('close', () => resolve(text))) };
}
