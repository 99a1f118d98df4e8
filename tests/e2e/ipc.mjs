// The IPC frames of sfrevops-mcp for the tests that play a peer of a
// real child (frames, elicit, concurrency, broker_writes): the message
// numbers, error codes and secret kinds read from src/sfrevops.h itself,
// so that they cannot drift from the C; the frame encoder; readers of
// frames off a stream; and the broker started under tests/parent_stub
// with this test as its parent, front and writer.
//
// A frame (src/ipc.c): u32 type, u32 payload length, u32 id, u32 pad,
// then the payload; all little-endian, as the hosts it runs on.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, srcdir } from './lib.mjs';

const header = readFileSync(join(srcdir, 'src', 'sfrevops.h'), 'utf8');

/** Names to numbers of an enum of the header (implicit values count on). */
function enumOf(name, prefix) {
  const m = new RegExp(`enum ${name} \\{([\\s\\S]*?)\\};`).exec(header);
  if (!m) throw new Error(`src/sfrevops.h: no enum ${name}`);
  const out = {};
  let next = 0;
  for (const line of m[1].replace(/\/\*[\s\S]*?\*\//g, '').split(',')) {
    const e = new RegExp(`^\\s*${prefix}(\\w+)(?:\\s*=\\s*(\\d+))?\\s*$`).exec(line);
    if (!e) continue;
    if (e[2] !== undefined) next = Number(e[2]);
    out[e[1]] = next++;
  }
  return out;
}

/** The message catalogue: T.SF_QUERY === 22 (IMSG_CATALOGUE's X lines). */
export const T = (() => {
  const m = /#define IMSG_CATALOGUE\(X\)([\s\S]*?)\n\n/.exec(header);
  if (!m) throw new Error('src/sfrevops.h: no IMSG_CATALOGUE');
  const out = {};
  for (const x of m[1].matchAll(/X\((\w+),\s*(\d+)\)/g)) out[x[1]] = Number(x[2]);
  if (out.ERROR !== 1 || out.HELLO !== 2) throw new Error('src/sfrevops.h: IMSG_CATALOGUE not understood');
  return out;
})();
/** Error codes of IMSG_ERROR: SFE.AMBIGUOUS === 12. */
export const SFE = enumOf('sf_err', 'SFE_');
/** Kinds of IMSG_SECRET: SECRET.ACCESS_TOKEN === 1, SECRET.DONE. */
export const SECRET = enumOf('secret_kind', 'SECRET_');
/** Roles, lower case as the executables' -R takes them: ROLE.broker === 2. */
export const ROLE = Object.fromEntries(Object.entries(enumOf('proc_role', 'PROC_')).map(([k, v]) => [k.toLowerCase(), v]));
export const PROTO_VERSION = Number(/#define SFREVOPS_PROTO_VERSION\s+(\d+)/.exec(header)[1]);

export const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
/** A counted string: u32 length, the bytes. */
export const str = (s) => { const v = Buffer.from(s); return Buffer.concat([u32(v.length), v]); };
/** One frame; pad is the header's fourth word (0 unless a test says). */
export function frame(type, id, payload = Buffer.alloc(0), pad = 0) {
  return Buffer.concat([u32(type), u32(payload.length), u32(id), u32(pad), payload]);
}
/** HELLO as role: the protocol version and the role. */
export const hello = (role) => frame(T.HELLO, 0, Buffer.concat([u32(PROTO_VERSION), u32(ROLE[role])]));

/** Frames arriving on a stream, split by their header: {type, id, data}. */
export class FrameReader {
  constructor(stream) {
    this.buf = Buffer.alloc(0);
    this.frames = [];
    this.waiters = [];
    stream.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 16) {
        const len = this.buf.readUInt32LE(4);
        if (this.buf.length < 16 + len) break;
        this.frames.push({ type: this.buf.readUInt32LE(0), id: this.buf.readUInt32LE(8), data: this.buf.subarray(16, 16 + len) });
        this.buf = this.buf.subarray(16 + len);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** The first frame pred accepts (taken off the list), or null after ms. */
  async next(pred, ms = 5000) {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i !== -1) return this.frames.splice(i, 1)[0];
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, left); });
    }
  }
}

/**
 * One channel of a child, decoded: each message {type, id, data, at}
 * with, for ERROR, code and msg, and for the other answers (a payload
 * that starts with a counted string) json.  wait() throws after ms.
 */
export function channel(sock, name) {
  let buf = Buffer.alloc(0);
  const msgs = [];
  const waiters = [];
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 16 && buf.length >= 16 + buf.readUInt32LE(4)) {
      const len = buf.readUInt32LE(4);
      const m = { type: buf.readUInt32LE(0), id: buf.readUInt32LE(8), data: buf.subarray(16, 16 + len), at: Date.now() };
      buf = buf.subarray(16 + len);
      if (m.type === T.ERROR) {
        m.code = m.data.readUInt32LE(0);
        m.msg = m.data.subarray(8, 8 + m.data.readUInt32LE(4)).toString();
      } else if (m.type !== T.HELLO && m.type !== T.LOG && m.type !== T.READY) {
        m.json = JSON.parse(m.data.subarray(4, 4 + m.data.readUInt32LE(0)).toString());
      }
      msgs.push(m);
      for (const w of waiters.splice(0)) w();
    }
  });
  sock.on('error', () => {});
  return {
    name, msgs,
    send(type, id, payload) { sock.write(frame(type, id, payload)); },
    async wait(pred, ms = 10000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = msgs.find(pred);
        if (m) return m;
        if (Date.now() > end) throw new Error(`${name}: no such message within ${ms} ms: ${JSON.stringify(msgs.map((x) => [x.type, x.id, x.code, x.msg]))}`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 50); });
      }
    },
    answers(id) { return msgs.filter((m) => m.id === id && (m.type & 1) === 1); },
  };
}

const STUB = join(process.env.top_builddir || dirname(BIN), 'tests', 'parent_stub');

/** Every directory above path searchable by others (o+x). */
function reachableByOthers(path) {
  for (let d = dirname(path); ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

/**
 * The broker under tests/parent_stub, which starts it and answers its
 * requests for connections as the real parent does (a Node test cannot
 * pass the sockets); everything else on the parent channel, and the
 * front's and writer's channels, are the test's.  Set up as main.c
 * does: HELLO, CONFIG (these keys, config overriding them), the access
 * token, SECRET_DONE, the simulator's CA; resolves once it is READY.
 */
export async function startBroker(sim, config = {}) {
  const opts = { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH } };
  // As the real parent does: never run a child as root.  The real
  // parent execs its children by descriptor; the stub is spawned by
  // path, which nobody can reach in a checkout under a 0700 directory
  // (a mktemp -d): there the broker stays root, the test unchanged.
  if (process.getuid() === 0 && reachableByOthers(STUB)) Object.assign(opts, { uid: 65534, gid: 65534 });
  const proc = spawn(STUB, [join(dirname(BIN), 'sfrevops-mcp-broker')], opts);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const parent = channel(proc.stdio[3], 'parent');
  const front = channel(proc.stdio[4], 'front');
  const writer = channel(proc.stdio[5], 'writer');
  const conf = {
    instance_url: sim.instance_url, login_url: sim.login_url, api_version: 'v60.0',
    fls_mode: 'security_enforced', log_level: 'debug', auth_flow: 'access_token',
    http_timeout_ms: 60000, max_transfers: 6, ...config,
  };
  const token = Buffer.from(sim.access_token);
  parent.send(T.HELLO, 0, Buffer.concat([u32(PROTO_VERSION), u32(ROLE.parent)]));
  parent.send(T.CONFIG, 0, str(JSON.stringify(conf)));
  parent.send(T.SECRET, 0, Buffer.concat([u32(SECRET.ACCESS_TOKEN), u32(token.length), token]));
  parent.send(T.SECRET, 0, u32(SECRET.DONE));
  parent.send(T.CA_BUNDLE, 0, Buffer.concat([str(sim.ca_file), readFileSync(sim.ca_file)]));
  front.send(T.HELLO, 0, Buffer.concat([u32(PROTO_VERSION), u32(ROLE.front)]));
  writer.send(T.HELLO, 0, Buffer.concat([u32(PROTO_VERSION), u32(ROLE.writer)]));
  await parent.wait((m) => m.type === T.READY).catch((e) => { throw new Error(e.message + ' stderr: ' + stderr); });
  return { proc, exited, parent, front, writer, get stderr() { return stderr; } };
}
