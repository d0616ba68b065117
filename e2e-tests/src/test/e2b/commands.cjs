'use strict'
// Commands, lifecycle and previews through the real e2b SDK (issue 12).
const { assert, e2b, check, poll, getVia, main } = require('./common.cjs')
const { Sandbox, CommandExitError } = e2b

const run = process.env.E2B_RUN_ID
const previewUrl = process.env.TENSORBOX_PREVIEW_URL

main(async () => {
  let sbx
  await check('create', async () => {
    sbx = await Sandbox.create({ metadata: { run }, timeoutMs: 120_000 })
    assert.match(sbx.sandboxId, /^sbx_[0-9a-f]{24}$/)
  })
  try {
    await check('commands.run gives the output, in the order written', async () => {
      // TensorBox keeps one log per process (SPEC §4): stderr arrives with stdout, as 'stdout'
      const r = await sbx.commands.run('echo hello; echo oops >&2; echo bye')
      assert.equal(r.exitCode, 0)
      assert.equal(r.stdout + r.stderr, 'hello\noops\nbye\n')
    })

    await check('a non-zero exit is a CommandExitError', async () => {
      await assert.rejects(sbx.commands.run('echo before; exit 3'), (e) => {
        assert.ok(e instanceof CommandExitError, `${e}`)
        assert.equal(e.exitCode, 3)
        assert.equal(e.stdout, 'before\n')
        return true
      })
    })

    await check('background with stdin: sendStdin then wait', async () => {
      const h = await sbx.commands.run('read line; echo "got:$line"', { background: true, stdin: true })
      assert.ok(h.pid > 0)
      await sbx.commands.sendStdin(h.pid, 'abc\n')
      const r = await h.wait()
      assert.equal(r.stdout, 'got:abc\n')
    })

    await check('list, connect and kill a running command', async () => {
      const h = await sbx.commands.run('sleep 300', { background: true })
      const listed = await sbx.commands.list()
      assert.ok(listed.some((p) => p.pid === h.pid), JSON.stringify(listed))
      const again = await sbx.commands.connect(h.pid)
      assert.equal(again.pid, h.pid)
      assert.equal(await sbx.commands.kill(h.pid), true)
      await assert.rejects(again.wait())
      await poll('the killed command leaves the list', async () =>
        !(await sbx.commands.list()).some((p) => p.pid === h.pid))
      assert.equal(await sbx.commands.kill(h.pid), false)
      h.disconnect()
    })

    await check('setTimeout moves the end', async () => {
      await sbx.setTimeout(600_000)
      const info = await sbx.getInfo()
      const left = info.endAt.getTime() - Date.now()
      assert.ok(left > 590_000 && left <= 601_000, `${left} ms left`)
      assert.equal(info.state, 'running')
      assert.equal(info.metadata.run, run)
    })

    await check('Sandbox.list filters by metadata', async () => {
      const paginator = Sandbox.list({ query: { metadata: { run } } })
      const items = await paginator.nextItems()
      assert.deepEqual(items.map((s) => s.sandboxId), [sbx.sandboxId])
      assert.equal(paginator.hasNext, false)
    })

    await check('getHost is served by the preview proxy', async () => {
      const port = 20000 + Math.floor(Math.random() * 20000)
      // python3: what seed 003's images have (the kubernetes sandbox image has no node)
      await sbx.commands.run(`python3 -c "
import http.server as h
class H(h.BaseHTTPRequestHandler):
    def do_GET(self):
        b = ('hi from ' + self.headers['Host']).encode()
        self.send_response(200); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
h.HTTPServer(('0.0.0.0', ${port}), H).serve_forever()
"`, { background: true })
      const host = sbx.getHost(port)
      assert.equal(host, `${port}-${sbx.sandboxId}.${process.env.E2B_DOMAIN}`)
      const answer = await poll('the app answers through the proxy', async () => {
        const a = await getVia(previewUrl, host, { 'X-Access-Token': sbx.envdAccessToken })
        return a.status === 200 ? a : null
      })
      assert.equal(answer.body, `hi from ${host}`)
      const anonymous = await getVia(previewUrl, host)
      assert.equal(anonymous.status, 401)
    })

    await check('envd port 49983 through the preview proxy reaches the sandbox', async () => {
      const envd = sbx.getHost(49983)
      const health = await getVia(previewUrl, envd, { 'X-Access-Token': sbx.envdAccessToken }, '/health')
      assert.equal(health.status, 204)
      const other = await getVia(previewUrl, envd, {}, '/v1/sandboxes')
      assert.equal(other.status, 404)
    })

    await check('Sandbox.connect gives a working sandbox', async () => {
      const same = await Sandbox.connect(sbx.sandboxId)
      assert.equal(same.sandboxId, sbx.sandboxId)
      assert.equal((await same.commands.run('echo connected')).stdout, 'connected\n')
      assert.equal(await same.isRunning(), true)
    })
  } finally {
    await check('kill', async () => {
      assert.equal(await sbx.kill(), true)
      assert.equal(await sbx.isRunning(), false)
      await assert.rejects(Sandbox.getInfo(sbx.sandboxId), (e) => e instanceof e2b.NotFoundError || e instanceof e2b.SandboxNotFoundError || /not found/i.test(e.message))
      assert.equal(await Sandbox.kill(sbx.sandboxId), false)
    })
  }
})
