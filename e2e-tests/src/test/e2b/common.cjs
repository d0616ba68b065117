'use strict'
// Shared by the scripts: the SDK, checks that say what failed, and a deadline-bounded poll.
const assert = require('node:assert/strict')
const http = require('node:http')

const e2b = require(process.env.E2B_MODULE)

let checks = 0
async function check(name, fn) {
  const started = Date.now()
  try {
    await fn()
  } catch (e) {
    console.error(`FAIL ${name}: ${e && e.stack ? e.stack : e}`)
    throw e
  }
  checks++
  console.log(`ok ${name} (${Date.now() - started} ms)`)
}

async function poll(what, fn, timeoutMs = 15000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs
  let last
  while (Date.now() < deadline) {
    try {
      const value = await fn()
      if (value) return value
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last.message})` : ''}`)
}

/** GET through the preview proxy with this Host header (what a browser would send for the host). */
function getVia(previewUrl, host, headers = {}, path = '/') {
  const url = new URL(previewUrl)
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: 'GET',
      headers: { ...headers, Host: host } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.setTimeout(10000, () => req.destroy(new Error('timed out')))
    req.end()
  })
}

async function main(fn) {
  try {
    await fn()
    console.log(`all ${checks} checks passed`)
    process.exit(0)
  } catch (e) {
    process.exit(1)
  }
}

module.exports = { assert, e2b, check, poll, getVia, main }
