import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from 'tensorbox';
import type { SseEvent } from 'tensorbox';

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  parser.end();
  return events;
}

test('SSE: events, ignored unknown fields and comments, optional space after the colon', () => {
  const text =
    'content-type:text/plain\nevent:start\ndata:{"pid":1}\n\n' +
    ': a comment\nevent: stdout\ndata: "hi\\n"\n\n' +
    'event:exit\ndata:{"exit_code":3}\nretry: 10\n\n';
  assert.deepEqual(parse([text]), [
    { event: 'start', data: '{"pid":1}' },
    { event: 'stdout', data: '"hi\\n"' },
    { event: 'exit', data: '{"exit_code":3}' },
  ]);
});

test('SSE: CRLF, CR and LF line ends, a CRLF split across chunks, multi-line data, ids', () => {
  const events = parse(['event:a\r', '\ndata:x\r\ndata:y\r\r', 'id: 7\n', 'data:z', '\n', '\n', 'data:no-type\n\n']);
  assert.deepEqual(events, [
    { event: 'a', data: 'x\ny' },
    { event: 'message', data: 'z', id: '7' },
    { event: 'message', data: 'no-type', id: '7' },
  ]);
});

test('SSE: every split point of a stream gives the same events', () => {
  const text = 'event:stdout\r\ndata:"a"\r\n\r\nevent:stderr\rdata:"b"\r\revent:exit\ndata:{}\n\n';
  const whole = parse([text]);
  assert.equal(whole.length, 3);
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j += 3) {
      assert.deepEqual(parse([text.slice(0, i), text.slice(i, j), text.slice(j)]), whole, `split at ${i},${j}`);
    }
  }
});

test('SSE: an event without data is not dispatched; a last event without a blank line is', () => {
  assert.deepEqual(parse(['event:nothing\n\nevent:last\ndata:1']), [{ event: 'last', data: '1' }]);
});
