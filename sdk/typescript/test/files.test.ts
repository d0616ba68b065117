import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ConflictError, NotFoundError, Sandbox } from 'tensorbox';
import type { FilesystemEvent } from 'tensorbox';
import { killAll, newSandbox, until, within } from './helpers.js';

let sandbox: Sandbox;

before(async () => {
  sandbox = await newSandbox({ file: 'files' });
});
after(killAll);

test('files: text and binary round trips byte for byte; the sandbox sees what was written', async () => {
  const text = 'héllo 世界 ✓\nsecond line\n';
  const info = await sandbox.files.write('rt/hello.txt', text);
  assert.equal(info.name, 'hello.txt');
  assert.equal(info.type, 'file');
  assert.match(info.path, /^\/.*\/rt\/hello\.txt$/);
  assert.equal(info.size, Buffer.byteLength(text));
  assert.equal(await sandbox.files.read('rt/hello.txt'), text);
  assert.equal((await sandbox.commands.run('cat rt/hello.txt')).stdout, text);

  const bin = new Uint8Array(70_000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7 + (i >> 8)) & 0xff; // every byte value, NULs and invalid UTF-8
  await sandbox.files.write('rt/data.bin', bin);
  const back = await sandbox.files.read('rt/data.bin', { format: 'bytes' });
  assert.ok(back instanceof Uint8Array);
  assert.deepEqual(Buffer.from(back), Buffer.from(bin));
  const blob = await sandbox.files.read('rt/data.bin', { format: 'blob', user: 'user' });
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), Buffer.from(bin));
  const sha = (await sandbox.commands.run('sha256sum rt/data.bin')).stdout.split(' ')[0];
  assert.equal(sha, createHash('sha256').update(bin).digest('hex'));

  // replaced, not appended; an empty file
  await sandbox.files.write('rt/hello.txt', new Blob(['short']));
  assert.equal(await sandbox.files.read('rt/hello.txt'), 'short');
  await sandbox.files.write('rt/empty', '');
  assert.equal((await sandbox.files.read('rt/empty', { format: 'bytes' })).length, 0);

  const missing = await sandbox.files.read('rt/nope.txt').then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(missing instanceof NotFoundError, String(missing));
  assert.equal(missing.code, 'file_not_found');
});

test('files: a 20 MiB file streamed up and down (never whole in memory)', async () => {
  const size = 20 * 1024 * 1024;
  const chunk = 256 * 1024;
  const seed = randomBytes(chunk);
  const sent = createHash('sha256');
  let produced = 0;
  const upload = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= size) {
        controller.close();
        return;
      }
      const piece = new Uint8Array(seed);
      piece[0] = produced / chunk; // every chunk differs
      sent.update(piece);
      produced += piece.length;
      controller.enqueue(piece);
    },
  });
  const info = await within(60_000, 'the upload', sandbox.files.write('big/file.bin', upload));
  assert.equal(info.size, size);
  const expected = sent.digest('hex');
  assert.equal((await sandbox.commands.run('sha256sum big/file.bin')).stdout.split(' ')[0], expected);

  const stream = await sandbox.files.read('big/file.bin', { format: 'stream' });
  const got = createHash('sha256');
  let total = 0;
  let chunks = 0;
  for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) {
    got.update(piece);
    total += piece.length;
    chunks++;
  }
  assert.equal(total, size);
  assert.equal(got.digest('hex'), expected);
  assert.ok(chunks > 1, 'the download arrived in pieces');
  assert.equal((await sandbox.files.getInfo('big/file.bin')).size, size);
});

test('files: list with depth, exists, getInfo', async () => {
  await sandbox.commands.run('mkdir -p lst/a/b && echo top > lst/top.txt && echo mid > lst/a/mid.txt && echo deep > lst/a/b/deep.txt');
  const one = await sandbox.files.list('lst');
  assert.deepEqual(one.map((e) => [e.name, e.type]), [['a', 'dir'], ['top.txt', 'file']]);
  const top = one[1]!;
  assert.match(top.path, /\/lst\/top\.txt$/);
  assert.equal(top.size, 4);
  const all = await sandbox.files.list('lst', { depth: 3 });
  assert.deepEqual(
    all.map((e) => e.path.slice(e.path.indexOf('/lst/') + 5)),
    ['a', 'a/b', 'a/b/deep.txt', 'a/mid.txt', 'top.txt'],
  );
  assert.equal((await sandbox.files.list('lst', { depth: 2 })).length, 4);

  assert.equal(await sandbox.files.exists('lst/top.txt'), true);
  assert.equal(await sandbox.files.exists('lst/a'), true);
  assert.equal(await sandbox.files.exists('lst/none'), false);
  const info = await sandbox.files.getInfo('lst/top.txt');
  assert.equal(info.name, 'top.txt');
  assert.equal(info.type, 'file');
  assert.equal(info.size, 4);
  assert.match(info.mode, /^0[0-7]{3}$/);
  assert.match(info.permissions, /^-[rwx-]{9}$/);
  assert.ok(info.owner.length > 0);
  assert.ok(Math.abs(info.modifiedAt.getTime() - Date.now()) < 120_000, info.modifiedAt.toISOString());
  assert.equal(info.symlinkTarget, undefined);
  assert.equal((await sandbox.files.getInfo('lst/a')).type, 'dir');
  await sandbox.commands.run('ln -sf top.txt lst/link');
  const link = await sandbox.files.getInfo('lst/link');
  assert.equal(link.type, 'symlink');
  assert.match(link.symlinkTarget ?? '', /top\.txt$/);
  await assert.rejects(sandbox.files.getInfo('lst/none'), NotFoundError);
});

test('files: makeDir true then false, a file in the way is a conflict; rename; remove', async () => {
  assert.equal(await sandbox.files.makeDir('mk/x/y'), true);
  assert.equal(await sandbox.files.makeDir('mk/x/y'), false);
  assert.equal((await sandbox.files.getInfo('mk/x/y')).type, 'dir');
  await sandbox.files.write('mk/file', 'f');
  await assert.rejects(sandbox.files.makeDir('mk/file'), ConflictError);

  await sandbox.files.write('mv/old.txt', 'moved content');
  const moved = await sandbox.files.rename('mv/old.txt', 'mv/sub/new.txt');
  assert.equal(moved.name, 'new.txt');
  assert.match(moved.path, /\/mv\/sub\/new\.txt$/);
  assert.equal(moved.type, 'file');
  assert.equal(await sandbox.files.exists('mv/old.txt'), false);
  assert.equal(await sandbox.files.read('mv/sub/new.txt'), 'moved content');
  await assert.rejects(sandbox.files.rename('mv/old.txt', 'mv/again.txt'), NotFoundError);

  await sandbox.files.remove('mv/sub/new.txt');
  assert.equal(await sandbox.files.exists('mv/sub/new.txt'), false);
  await sandbox.files.write('mv/sub/deeper/f', 'x');
  await sandbox.files.remove('mv'); // a directory, recursively
  assert.equal((await sandbox.commands.run('test -e mv')).exitCode, 1);
  await assert.rejects(sandbox.files.remove('mv'), NotFoundError);
});

test('files: watchDir sees a created and a removed file, then stop() ends it', async () => {
  await sandbox.files.makeDir('watched');
  const events: FilesystemEvent[] = [];
  let exited: { err: Error | undefined } | undefined;
  const handle = await sandbox.files.watchDir('watched', (e) => void events.push(e), {
    onExit: (err) => (exited = { err }),
  });
  await sandbox.files.write('watched/new.txt', 'hello');
  const created = await until('a created event for new.txt', () =>
    events.find((e) => e.type === 'created' && e.name === 'new.txt'),
  );
  assert.match(created.path, /\/watched\/new\.txt$/);
  assert.equal(created.entryType, 'file');
  await sandbox.files.remove('watched/new.txt');
  await until('a removed event for new.txt', () => events.find((e) => e.type === 'removed' && e.name === 'new.txt'));
  await within(5_000, 'stop()', handle.stop());
  assert.deepEqual(exited, { err: undefined });
  await assert.rejects(sandbox.files.watchDir('watched/none', () => undefined), NotFoundError);
});
