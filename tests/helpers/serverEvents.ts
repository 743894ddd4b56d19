import { request } from 'node:http';

/**
 * Resolves with the first server-sent event of `url` whose text holds `needle` (the stream
 * is then closed).
 * @example await awaitEvent(`${base}/api/events`, `"id":"${id}"`);
 */
export function awaitEvent(url: string, needle: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        if (buffer.includes(needle)) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? null : reject(e)));
    req.end();
  });
}
