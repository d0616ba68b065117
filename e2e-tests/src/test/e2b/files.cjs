'use strict'
// The filesystem through the real e2b SDK (issue 12): needs filesystem.Filesystem and envd's /files.
const { assert, e2b, check, poll, main } = require('./common.cjs')
const { Sandbox } = e2b

main(async () => {
  const sbx = await Sandbox.create({ timeoutMs: 120_000 })
  try {
    const dir = `e2b-files-${process.pid}`
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256))

    await check('files.write (multipart and octet-stream) and files.read, text and binary', async () => {
      const info = await sbx.files.write(`${dir}/hello.txt`, 'hello files\n')
      assert.equal(info.name, 'hello.txt')
      assert.equal(await sbx.files.read(`${dir}/hello.txt`), 'hello files\n')
      await sbx.files.write(`${dir}/blob.bin`, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
        { useOctetStream: true })
      const back = Buffer.from(await sbx.files.read(`${dir}/blob.bin`, { format: 'bytes' }))
      assert.ok(back.equals(bytes), 'binary round trip')
    })

    await check('files.list', async () => {
      const entries = await sbx.files.list(dir)
      assert.deepEqual(entries.map((e) => e.name).sort(), ['blob.bin', 'hello.txt'])
      assert.equal(entries.find((e) => e.name === 'blob.bin').size, bytes.length)
      assert.equal(entries.find((e) => e.name === 'hello.txt').type, 'file')
    })

    await check('files.watchDir sees a new file', async () => {
      const events = []
      const handle = await sbx.files.watchDir(dir, (event) => events.push(event))
      try {
        await sbx.commands.run(`echo new > ${dir}/new.txt`)
        await poll('a watch event for new.txt', async () => events.some((e) => e.name.endsWith('new.txt')))
      } finally {
        await handle.stop()
      }
    })

    await check('files.remove and exists', async () => {
      await sbx.files.remove(`${dir}/hello.txt`)
      assert.equal(await sbx.files.exists(`${dir}/hello.txt`), false)
      await assert.rejects(sbx.files.read(`${dir}/hello.txt`), (e) => e instanceof e2b.NotFoundError || e instanceof e2b.FileNotFoundError || /not found/i.test(e.message))
      await sbx.files.remove(dir)
    })
  } finally {
    await sbx.kill()
  }
})
