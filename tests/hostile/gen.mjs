#!/usr/bin/env node
// Writes tests/hostile/corpus.json, the generated part of the
// malformed-message corpus (jsonrpc.json is the hand-written part):
//   node tests/hostile/gen.mjs [path/to/sfrevops-mcp] >tests/hostile/corpus.json
// The tool cases come from the server's own tools/list, so the corpus
// follows the tools: hostile.test.mjs fails when a listed tool has no
// cases here (run this again after adding one).  Each case names its
// expected answer, from the JSON-RPC 2.0 and MCP specifications:
//   code/id          a JSON-RPC error with that code, answering that id
//                    (id null: no id member, MCP's JSONRPCErrorResponse)
//   result: true     ping's empty result
//   raw_id           the answer's id, byte for byte as sent
//   tool_error       a tool execution error (result.isError) naming it:
//                    MCP 2025-11-25 wants input validation errors there
//   tool_ok          a result that is not an error (dry_run: nothing sent)
//   tool_valid       past the argument checks: a result, or the error of
//                    an org that cannot be reached (a write's dry run
//                    asks the org; the corpus runs offline)
//   batch            a JSON array of answers, by id, in any order
//   init             initialize's protocolVersion
//   notification     no answer at all
// session: where the case runs: "2025-11-25" (the default), another
// protocol version, or "fresh" (a server of its own, not initialized).
// pad: a ping padded to exactly that many bytes (the line is built by
// the test: 4 MiB does not belong in a JSON file).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const MAX_LINE = 4 * 1024 * 1024;	// MCP_MAX_LINE
const MAX_DEPTH = 64;			// MCP_MAX_DEPTH
const out = [];
const add = (c) => out.push(c);
const msg = (o) => JSON.stringify(o);
const req = (id, method, params) => msg(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });

// --------------------------------------------------------- bad JSON
const base = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[1,"b",{"c":null}]}}';
for (let cut = 1; cut < base.length; cut += 3)
	add({ name: `truncated after ${cut} bytes`, line: base.slice(0, cut), code: -32700, id: null });
for (const [name, line] of [
	['missing colon', '{"jsonrpc" "2.0","id":1,"method":"ping"}'],
	['missing comma', '{"jsonrpc":"2.0" "id":1,"method":"ping"}'],
	['double comma', '{"jsonrpc":"2.0",,"id":1,"method":"ping"}'],
	['leading comma', '{,"jsonrpc":"2.0","id":1,"method":"ping"}'],
	['unquoted key', '{jsonrpc:"2.0","id":1,"method":"ping"}'],
	['line comment', '{"jsonrpc":"2.0","id":1,"method":"ping"} // x'],
	['block comment', '{"jsonrpc":"2.0",/* x */"id":1,"method":"ping"}'],
	['unclosed string', '{"jsonrpc":"2.0","id":1,"method":"ping}'],
	['unclosed array', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[1,2}}'],
	['extra closer', '{"jsonrpc":"2.0","id":1,"method":"ping"}}'],
	['mismatched closer', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":[1]}]'],
	['array as key', '{["a"]:1}'],
	['number as key', '{1:"a"}'],
	['two values', '{"jsonrpc":"2.0","id":1,"method":"ping"}{"jsonrpc":"2.0","id":2,"method":"ping"}'],
	['only whitespace and a brace', ' { '],
	['a lone quote', '"'],
	['capital True', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":True}}'],
	['undefined', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":undefined}}'],
	['escape \\U', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":"\\U0041"}}'],
	['short \\u escape', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":"\\u004"}}'],
	['non-hex \\u escape', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":"\\u00g1"}}'],
	['escaped single quote', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":"\\\'"}}'],
	['backslash at the end of a string', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":"\\"}}'],
	['a NaN-like -Infinity', '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":-Infinity}}'],
	['form feed between tokens', '{"jsonrpc":"2.0",\f"id":1,"method":"ping"}'],
])
	add({ name: 'bad JSON: ' + name, line, code: -32700, id: null });
// Not defined by the stdio transport: the front skips empty lines.
add({ name: 'an empty line is skipped, never answered', line: '', notification: true });

// ------------------------------------------- the envelope, wrong types
for (const [what, v] of [['1', 1], ['2', 2.0], ['null', null], ['true', true], ['"2"', '2'], ['"2.00"', '2.00'], ['""', ''], ['[]', []], ['{}', {}], ['" 2.0"', ' 2.0']])
	add({ name: `jsonrpc ${what}`, line: msg({ jsonrpc: v, id: 'j', method: 'ping' }), code: -32600, id: 'j' });
add({ name: 'jsonrpc missing', line: msg({ id: 'j', method: 'ping' }), code: -32600, id: 'j' });
for (const [what, v] of [['5', 5], ['null', null], ['true', true], ['[]', []], ['{}', {}], ['""', '']])
	add({ name: `method ${what}`, line: msg({ jsonrpc: '2.0', id: 'm', method: v }), code: -32600, id: 'm' });
add({ name: 'method missing', line: msg({ jsonrpc: '2.0', id: 'm' }), code: -32600, id: 'm' });
for (const [what, v] of [['5', 5], ['"x"', 'x'], ['true', true], ['[]', []], ['[1]', [1]]])
	for (const method of ['ping', 'tools/list', 'tools/call'])
		add({ name: `${method} with params ${what}`, line: req('p', method, v), code: -32602, id: 'p' });
for (const v of [1, 'x', null, true, [], {}])
	add({ name: `a message that is ${JSON.stringify(v)}`, line: msg(v), code: -32600, id: null });

// ------------------------------------------------------------ ids
for (const [what, raw] of [
	['0', '0'], ['-1', '-1'], ['2^53 - 1', '9007199254740991'], ['2^53 + 1', '9007199254740993'],
	['2^63 - 1', '9223372036854775807'], ['-2^63', '-9223372036854775808'], ['-0', '-0'],
	['an empty string', '""'], ['a string of 1000', JSON.stringify('i'.repeat(1000))],
	['an emoji string', '"\\ud83d\\ude00"'], ['a string with escapes', '"a\\"b\\\\c\\n"'],
	['a numeric string', '"1"'], ['a string with a space', '" "'], ['non-ASCII text', '"\u00e9\u4e2d"'],
])
	add({ name: `id ${what} is echoed`, line: `{"jsonrpc":"2.0","id":${raw},"method":"ping"}`, result: true,
	    ...(raw.startsWith('"') ? { id: JSON.parse(raw) } : { raw_id: raw }) });
for (const [what, raw] of [['true', 'true'], ['false', 'false'], ['null', 'null'], ['1.5', '1.5'], ['1e3', '1e3'], ['1.0', '1.0'],
	['{}', '{}'], ['[]', '[]'], ['[1]', '[1]'], ['-1.5e-7', '-1.5e-7']])
	add({ name: `id ${what} is refused`, line: `{"jsonrpc":"2.0","id":${raw},"method":"ping"}`, code: -32600, id: null });

// ---------------------------------------- unknown methods, notifications
for (const m of ['nosuch', 'PING', 'ping ', ' ping', 'Ping', 'tools/List', 'tools/', 'tools', '/ping', 'rpc.discover',
	'resources/list', 'resources/read', 'prompts/list', 'prompts/get', 'completion/complete', 'sampling/createMessage',
	'elicitation/create', 'roots/list', 'notifications/initialized', 'tools/call/x', 'x'.repeat(300), '\u00e9'])
	add({ name: `unknown method ${JSON.stringify(m.length > 40 ? m.slice(0, 10) + '...' : m)}`, line: req('u', m), code: -32601, id: 'u' });
for (const m of ['notifications/nosuch', 'nosuch', 'ping', 'tools/list', 'notifications/cancelled', 'notifications/progress',
	'notifications/roots/list_changed'])
	add({ name: `notification ${m}: never answered`, line: msg({ jsonrpc: '2.0', method: m, params: { requestId: 'zz', progressToken: 'zz', progress: 1 } }), notification: true });
add({ name: 'notification with params 5: never answered', line: msg({ jsonrpc: '2.0', method: 'notifications/cancelled', params: 5 }), notification: true });
add({ name: 'a response the server never asked for', line: msg({ jsonrpc: '2.0', id: 'r1', result: {} }), notification: true });
add({ name: 'an error response the server never asked for', line: msg({ jsonrpc: '2.0', id: 'r2', error: { code: 1, message: 'x' } }), notification: true });
add({ name: 'initialize again', line: req('i2', 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } }), code: -32600, id: 'i2' });
add({ name: 'logging/setLevel bogus', line: req('l', 'logging/setLevel', { level: 'bogus' }), code: -32602, id: 'l' });
add({ name: 'logging/setLevel 5', line: req('l', 'logging/setLevel', { level: 5 }), code: -32602, id: 'l' });
add({ name: 'logging/setLevel without a level', line: req('l', 'logging/setLevel', {}), code: -32602, id: 'l' });
add({ name: 'tools/list with an unknown cursor', line: req('c', 'tools/list', { cursor: 'zz' }), code: -32602, id: 'c' });
add({ name: 'tools/list with a cursor of 5', line: req('c', 'tools/list', { cursor: 5 }), code: -32602, id: 'c' });
add({ name: 'tools/call without a name', line: req('t', 'tools/call', { arguments: {} }), code: -32602, id: 't' });
for (const [what, v] of [['5', 5], ['null', null], ['[]', []], ['""', '']])
	add({ name: `tools/call with name ${what}`, line: req('t', 'tools/call', { name: v, arguments: {} }), code: -32602, id: 't' });
for (const n of ['nosuch', 'QUERY', 'query ', 'get_account\u00e9', 'x'.repeat(200)])
	add({ name: `tools/call of an unknown tool ${JSON.stringify(n.slice(0, 20))}`, line: req('t', 'tools/call', { name: n, arguments: {} }), code: -32602, id: 't' });

// ------------------------------------------------------ invalid UTF-8
const head = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"v":"');
const tail = Buffer.from('"}}');
for (const [what, hex] of [
	['overlong NUL C0 80', 'c080'], ['overlong C1 BF', 'c1bf'], ['overlong 3-byte E0 9F BF', 'e09fbf'],
	['overlong 4-byte F0 8F BF BF', 'f08fbfbf'], ['F8 lead (5 bytes)', 'f888808080'], ['FC lead (6 bytes)', 'fc8480808080'],
	['FE byte', 'fe'], ['truncated 2-byte', 'c3'], ['truncated 4-byte', 'f09f98'], ['2-byte lead then ASCII', 'c341'],
	['continuation run', '808080'], ['surrogate ED BF BF', 'edbfbf'], ['U+110000', 'f4908080'],
	['lead then lead', 'e2e282ac'],
])
	add({ name: `invalid UTF-8 in a params string: ${what}`, hex: Buffer.concat([head, Buffer.from(hex, 'hex'), tail]).toString('hex'), code: -32700, id: null });
add({ name: 'invalid UTF-8 in a member name', hex: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","'), Buffer.from('ff', 'hex'), Buffer.from('":1}')]).toString('hex'), code: -32700, id: null });
add({ name: 'invalid UTF-8 in a string id', hex: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), Buffer.from('c0af', 'hex'), Buffer.from('","method":"ping"}')]).toString('hex'), code: -32700, id: null });
add({ name: 'invalid UTF-8 outside any string', hex: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}'), Buffer.from('c3a9', 'hex')]).toString('hex'), code: -32700, id: null });
for (const [what, hex] of [['2-byte e9', 'c3a9'], ['3-byte euro', 'e282ac'], ['4-byte emoji', 'f09f9880'], ['U+FFFF', 'efbfbf'], ['U+10FFFF', 'f48fbfbf']])
	add({ name: `valid UTF-8 ${what} is fine`, hex: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"u8","method":"ping","params":{"v":"'), Buffer.from(hex, 'hex'), tail]).toString('hex'), result: true });

// -------------------------------------------------------- \u0000
for (const [where, params, path] of [
	['a params value', { v: 'a\u0000' }, 'at params.v '],
	['an array member', { v: ['ok', 'a\u0000'] }, 'at params.v[1] '],
	['_meta', { _meta: { progressToken: 'a\u0000' } }, 'at params._meta.progressToken '],
])
	add({ name: `\\u0000 in ${where} of ping`, line: req(20, 'ping', params), code: -32602, id: 20, path });
add({ name: '\\u0000 in a tools/list cursor', line: req(21, 'tools/list', { cursor: '\u0000' }), code: -32602, id: 21, path: 'at params.cursor ' });
add({ name: '\\u0000 in logging/setLevel', line: req(22, 'logging/setLevel', { level: 'debug\u0000' }), code: -32602, id: 22, path: 'at params.level ' });
add({ name: '\\u0000 in an unknown method', line: req(23, 'nosuch\u0000'), code: -32600, id: 23, path: 'at method ' });
add({ name: '\\u0000 alone as the method', line: req(24, '\u0000'), code: -32600, id: 24, path: 'at method ' });

// ---------------------------------------------------------- nesting
const nest = (n, open, close) => open.repeat(n) + close.repeat(n);
// The message object and params are two levels: n more inside params.
for (const [kind, o, cl] of [['arrays', '[', ']'], ['objects', '{"a":', '}']]) {
	for (const d of [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2, 1000]) {
		const n = d - 3;	// the message and params are 2; n + 1 more
		const v = kind === 'arrays' ? nest(n + 1, '[', ']') : (o.repeat(n) + '{}' + cl.repeat(n));
		const line = `{"jsonrpc":"2.0","id":"d${d}","method":"ping","params":{"v":${v}}}`;
		add(d <= MAX_DEPTH ? { name: `depth ${d} of ${kind} is fine`, line, result: true }
		    : { name: `depth ${d} of ${kind} is refused`, line, code: -32700, id: null });
	}
}
for (const d of [MAX_DEPTH, MAX_DEPTH + 1]) {
	const n = d - 4;	// message, params, arguments, "soql"'s container
	const line = `{"jsonrpc":"2.0","id":"t${d}","method":"tools/call","params":{"name":"query","arguments":{"x":${nest(n + 1, '[', ']')}}}}`;
	add(d <= MAX_DEPTH ? { name: `tool arguments at depth ${d}: an unknown argument, not a parse error`, line, tool_error: "argument 'x", id: `t${d}` }
	    : { name: `tool arguments at depth ${d} are refused`, line, code: -32700, id: null });
}

// -------------------------------------------- lines around the limit
for (const n of [MAX_LINE - 2, MAX_LINE - 1, MAX_LINE])
	add({ name: `a ping of ${n} bytes is served`, pad: n, result: true });
for (const n of [MAX_LINE + 1, MAX_LINE + 2, MAX_LINE + 1024])
	add({ name: `a ping of ${n} bytes is refused`, pad: n, code: -32600, id: null });

// ------------------------------------------- before initialize (fresh)
add({ name: 'ping before initialize is answered', session: 'fresh', line: req('f1', 'ping'), result: true });
add({ name: 'notifications/initialized before initialize: no answer', session: 'fresh', line: msg({ jsonrpc: '2.0', method: 'notifications/initialized' }), notification: true });
add({ name: 'unknown method before initialize', session: 'fresh', line: req('f2', 'nosuch'), code: -32601, id: 'f2' });
add({ name: 'bad JSON before initialize', session: 'fresh', line: '{"jsonrpc":', code: -32700, id: null });
for (const v of ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'])
	add({ name: `initialize ${v} gets ${v}`, session: 'fresh', line: req('i', 'initialize', { protocolVersion: v, capabilities: {}, clientInfo: { name: 'c', version: '1' } }), init: v });
for (const v of ['1999-01-01', '2026-01-01', '2025-11-26', 'latest'])
	add({ name: `initialize ${v} (unknown) gets the latest, 2025-11-25`, session: 'fresh', line: req('i', 'initialize', { protocolVersion: v, capabilities: {}, clientInfo: { name: 'c', version: '1' } }), init: '2025-11-25' });
add({ name: 'initialize with params [] is refused', session: 'fresh', line: req('i', 'initialize', []), code: -32602, id: 'i' });
add({ name: 'initialize as a notification: no answer', session: 'fresh', line: msg({ jsonrpc: '2.0', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }), notification: true });

// ------------------------------------------- batches, by protocol version
const ping = (id) => ({ jsonrpc: '2.0', id, method: 'ping' });
for (const v of ['2024-11-05', '2025-06-18', '2025-11-25']) {
	add({ name: `${v}: a batch of two pings is refused`, session: v, line: msg([ping('b1'), ping('b2')]), code: -32600, id: null });
	add({ name: `${v}: a batch of one is refused`, session: v, line: msg([ping('b1')]), code: -32600, id: null });
	add({ name: `${v}: an empty batch is refused`, session: v, line: '[]', code: -32600, id: null });
	add({ name: `${v}: a batch of notifications is refused`, session: v, line: msg([{ jsonrpc: '2.0', method: 'notifications/nosuch' }]), code: -32600, id: null });
	add({ name: `${v}: ping still answered`, session: v, line: req('v', 'ping'), result: true });
}
{
	const v = '2025-03-26';
	add({ name: `${v}: a batch of two pings`, session: v, line: msg([ping('b1'), ping('b2')]), batch: [{ id: 'b1', result: true }, { id: 'b2', result: true }] });
	add({ name: `${v}: a batch of one ping`, session: v, line: msg([ping('b3')]), batch: [{ id: 'b3', result: true }] });
	add({ name: `${v}: an empty batch is one error`, session: v, line: '[]', code: -32600, id: null });
	add({ name: `${v}: a batch of notifications only: no answer`, session: v, line: msg([{ jsonrpc: '2.0', method: 'notifications/nosuch' }, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'zz' } }]), notification: true });
	add({ name: `${v}: a batch with an unknown method`, session: v, line: msg([ping('b4'), { jsonrpc: '2.0', id: 'b5', method: 'nosuch' }]), batch: [{ id: 'b4', result: true }, { id: 'b5', code: -32601 }] });
	add({ name: `${v}: a batch with a bad member`, session: v, line: msg([ping('b6'), 5]), batch: [{ id: 'b6', result: true }, { id: null, code: -32600 }] });
	add({ name: `${v}: a batch with tools/call`, session: v, line: msg([{ jsonrpc: '2.0', id: 'b7', method: 'tools/call', params: { name: 'query', arguments: { soql: 'SELECT Id FROM Account', dry_run: true } } }]), batch: [{ id: 'b7', code: -32600 }] });
	add({ name: `${v}: a batch with a notification and a ping`, session: v, line: msg([{ jsonrpc: '2.0', method: 'notifications/nosuch' }, ping('b8')]), batch: [{ id: 'b8', result: true }] });
	add({ name: `${v}: a nested batch member is refused`, session: v, line: msg([[ping('b9')], ping('b10')]), batch: [{ id: null, code: -32600 }, { id: 'b10', result: true }] });
	add({ name: `${v}: a batch with a bad JSON-RPC version`, session: v, line: msg([{ jsonrpc: '1.0', id: 'b11', method: 'ping' }]), batch: [{ id: 'b11', code: -32600 }] });
	add({ name: `${v}: bad JSON in a batch is one parse error`, session: v, line: '[{"jsonrpc":"2.0","id":"b12","method":"ping"},', code: -32700, id: null });
}

// ------------------------------------------------ every tool's arguments
const bin = process.argv[2] || process.env.SFREVOPS_BIN;
if (!bin) { console.error('usage: gen.mjs path/to/sfrevops-mcp'); process.exit(2); }
const tools = await listTools(bin);
const TYPES = { string: 'x', integer: 5, number: 1.5, boolean: true, null: null, array: [], object: {} };
function valid(name, p) {
	if (p.enum) return p.enum[0];
	const m = /starting with (\w{3})/.exec(p.description || '');
	if (m) return sfid18(m[1] + '000000000001');
	// The write tools: an Account (enum[0] of object_type) by its prefix.
	if (name === 'object_id') return sfid18('001000000000001');
	if (name === 'field_name') return 'Description';
	if (name === 'justification') return 'hostile corpus: a dry run';
	if (name === 'body') return 'a note';
	if (name === 'title') return 'a title';
	if (Array.isArray(p.type)) return 'x';
	if (p.format === 'date') return '2026-03-31';
	if (p.type === 'integer') return p.minimum ?? 1;
	if (p.type === 'boolean') return true;
	if (p.type === 'array') return ['Name'];
	if (name === 'soql') return 'SELECT Id FROM Account';
	if (name === 'group_by') return 'stage';
	return 'x';
}
/** The 18-character form of a 15-character Salesforce ID: a checksum
 * of where its capitals are, five characters at a time. */
function sfid18(id) {
	let sum = '';
	for (let c = 0; c < 3; c++) {
		let f = 0;
		for (let i = 0; i < 5; i++)
			if (/[A-Z]/.test(id[c * 5 + i])) f |= 1 << i;
		sum += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[f];
	}
	return id + sum;
}
function wrongTypes(p) {
	const types = Array.isArray(p.type) ? p.type : [p.type];
	const ok = new Set([...types, ...(types.includes('number') ? ['integer'] : [])]);
	return Object.entries(TYPES).filter(([t]) => !ok.has(t));
}
for (const t of tools) {
	const props = t.inputSchema.properties || {};
	const required = t.inputSchema.required || [];
	const good = { dry_run: true };
	for (const r of required) good[r] = valid(r, props[r]);
	if (t.name === 'query') good.soql = valid('soql', props.soql);
	const call = (id, args) => req(id, 'tools/call', { name: t.name, arguments: args });
	// A write's dry run asks the org (describe) before it can show its
	// plan, and the corpus runs offline: there a valid call must get past
	// the argument checks to "cannot reach Salesforce" (tool_valid).
	const okKey = t.annotations?.readOnlyHint === false || /^(add_note|update_field)$/.test(t.name) ? 'tool_valid' : 'tool_ok';
	add({ name: `${t.name}: a valid dry run is served`, line: call(`${t.name}-ok`, good), [okKey]: true, id: `${t.name}-ok` });
	for (const r of required) {
		const a = { ...good }; delete a[r];
		add({ name: `${t.name}: missing ${r}`, line: call(`${t.name}-miss-${r}`, a), tool_error: `'${r}`, id: `${t.name}-miss-${r}` });
	}
	for (const extra of ['zz_extra', 'Dry_Run', '']) {
		add({ name: `${t.name}: extra argument ${JSON.stringify(extra)}`, line: call(`${t.name}-extra-${extra}`, { ...good, [extra]: 1 }), tool_error: `'${extra}'`, id: `${t.name}-extra-${extra}` });
	}
	// (null is not among them: the front takes "arguments": null for no
	// arguments, src/front.c, though MCP's type is an object.)
	for (const [what, a] of [['[]', []], ['"x"', 'x'], ['5', 5], ['true', true]])
		add({ name: `${t.name}: arguments ${what}`, line: call(`${t.name}-args-${what}`, a), tool_error: 'arguments', id: `${t.name}-args-${what}` });
	for (const [name, p] of Object.entries(props)) {
		for (const [tn, tv] of wrongTypes(p)) {
			if (name === 'dry_run' && tn === 'boolean') continue;
			add({ name: `${t.name}: ${name} as ${tn}`, line: call(`${t.name}-${name}-${tn}`, { ...good, [name]: tv }), tool_error: `'${name}`, id: `${t.name}-${name}-${tn}` });
		}
		if (p.type === 'integer' && p.minimum !== undefined) {
			for (const [v, ok] of [[p.minimum - 1, false], [p.minimum, true], [p.maximum, true], [p.maximum + 1, false]])
				add({ name: `${t.name}: ${name} = ${v}`, line: call(`${t.name}-${name}-${v}`, { ...good, [name]: v }),
				    ...(ok ? { [okKey]: true } : { tool_error: `'${name}` }), id: `${t.name}-${name}-${v}` });
		}
		if (p.pattern && /\{15\}/.test(p.pattern)) {
			const id18 = valid(name, p);
			for (const [len, ok] of [[14, false], [15, true], [16, false], [17, false], [18, true], [19, false]])
				add({ name: `${t.name}: ${name} of ${len} characters`, line: call(`${t.name}-${name}-len${len}`, { ...good, [name]: (id18 + 'A').slice(0, len) }),
				    ...(ok ? { [okKey]: true } : { tool_error: `'${name}` }), id: `${t.name}-${name}-len${len}` });
		}
		if (p.type === 'array' && p.maxItems) {
			const f = (n) => Array.from({ length: n }, (_, i) => 'F' + i);
			for (const [n, ok] of [[0, false], [1, true], [p.maxItems, true], [p.maxItems + 1, false]])
				add({ name: `${t.name}: ${name} with ${n} items`, line: call(`${t.name}-${name}-n${n}`, { ...good, [name]: f(n) }),
				    ...(ok ? { [okKey]: true } : { tool_error: `'${name}` }), id: `${t.name}-${name}-n${n}` });
			add({ name: `${t.name}: ${name} with a duplicate`, line: call(`${t.name}-${name}-dup`, { ...good, [name]: ['Name', 'Name'] }), tool_error: `'${name}`, id: `${t.name}-${name}-dup` });
			for (const [what, n, ok] of [['80', 'A'.repeat(80), true], ['81', 'A'.repeat(81), false]])
				add({ name: `${t.name}: ${name} with a name of ${what} characters`, line: call(`${t.name}-${name}-w${what}`, { ...good, [name]: [n] }),
				    ...(ok ? { [okKey]: true } : { tool_error: `'${name}` }), id: `${t.name}-${name}-w${what}` });
		}
		if (p.minLength > 0)
			add({ name: `${t.name}: ${name} of ${p.minLength - 1} characters`, line: call(`${t.name}-${name}-min`, { ...good, [name]: 'a'.repeat(p.minLength - 1) }),
			    tool_error: `'${name}`, id: `${t.name}-${name}-min` });
		if (p.enum)
			for (const v of [p.enum[0].toLowerCase(), p.enum[0] + ' ', 'Case'])
				add({ name: `${t.name}: ${name} ${JSON.stringify(v)} is not in its enum`, line: call(`${t.name}-${name}-enum-${v}`, { ...good, [name]: v }),
				    tool_error: `'${name}`, id: `${t.name}-${name}-enum-${v}` });
		if (p.maxLength) {
			// SOQL: short literals (the guard refuses one over 4,000),
			// then spaces after SELECT to the exact length.  Other
			// strings: letters (a pattern, if any, allows them).
			const s = name !== 'soql' ? (n) => 'A'.repeat(n) : (n) => {
				let q = "SELECT Id FROM Account WHERE Name = 'a'";
				while (q.length < n - 40) q += " OR Name = 'bbbbbbbbbbbbbbbbbbbb'";
				return q.replace('SELECT ', 'SELECT ' + ' '.repeat(n - q.length));
			};
			for (const [n, ok] of [[p.maxLength, true], [p.maxLength + 1, false]])
				add({ name: `${t.name}: ${name} of ${n} bytes`, line: call(`${t.name}-${name}-b${n}`, { ...good, [name]: s(n) }),
				    ...(ok ? { [okKey]: true } : { tool_error: `'${name}` }), id: `${t.name}-${name}-b${n}` });
		}
		if (p.format === 'date')
			for (const v of ['2026-02-30', '2026-13-01', '26-03-31', '2026-3-31', '2026-03-31T00:00:00Z', ''])
				add({ name: `${t.name}: ${name} ${JSON.stringify(v)}`, line: call(`${t.name}-${name}-${v}`, { ...good, [name]: v }), tool_error: `'${name}`, id: `${t.name}-${name}-${v}` });
	}
}
process.stdout.write('[\n' + out.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n');

async function listTools(binary) {
	const env = { PATH: '/usr/bin:/bin', SFDC_INSTANCE_URL: 'https://127.0.0.1:9', SFDC_ACCESS_TOKEN: '00D000000000001!gen' };
	const p = spawn(binary, [], { env, stdio: ['pipe', 'pipe', 'ignore'] });
	const rl = createInterface({ input: p.stdout });
	const answers = [];
	const waiters = [];
	rl.on('line', (l) => { const w = waiters.shift(); if (w) w(JSON.parse(l)); else answers.push(JSON.parse(l)); });
	const next = () => answers.length ? Promise.resolve(answers.shift()) : new Promise((r) => waiters.push(r));
	p.stdin.write(req(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'gen', version: '1' } }) + '\n');
	await next();
	p.stdin.write(req(1, 'tools/list') + '\n');
	const r = await next();
	p.stdin.end();
	return r.result.tools;
}
