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

/**
 * The whole answers in what a connection received (latin1), each as `<status line>[ (close)]
 * | <body>` (framed by Content-Length, none meaning an empty body), and the bytes after them.
 */
export function splitAnswers(text: string): { answers: string[]; rest: string } {
  const answers: string[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = text.slice(at, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (text.length < end + 4 + length) break;
    const closing = /\r\nconnection: *close/i.test(head) ? ' (close)' : '';
    answers.push(`${head.split('\r\n')[0]!}${closing} | ${text.slice(end + 4, end + 4 + length)}`);
    at = end + 4 + length;
  }
  return { answers, rest: text.slice(at) };
}
