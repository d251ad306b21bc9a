#!/usr/bin/env node
// Numeric check of `zonnx convert` with a real runtime (onnxruntime-node).
//
//   node run.js run MODEL.onnx IN_0.pb ... --expect OUT_0.pb ...
//       runs one model on the input tensors, compares with the expected outputs
//   node run.js check MANIFEST.json [JOBS]
//       MANIFEST: [{name, target, model, converted, inputs: [pb], outputs: [pb]}], written by
//       tests/unit/convert_ort_test.cpp. Runs the original model (baseline) and the converted
//       one; a converted model whose original passes in ORT must give the reference outputs.
//       Prints the counts as JSON and one FAIL line per failure; exit 1 on any failure,
//       77 when onnxruntime-node is missing.
//   node run.js same MANIFEST.json
//       MANIFEST: [{name, model, feeds: {input: pb}, converted: [{label, path}]}]. Runs the original
//       and every converted model on the same inputs; their outputs must agree.
'use strict';

const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.log('onnxruntime-node is not installed (run: cd tests/ort && npm ci); skipping');
  process.exit(77);
}

// ---- minimal protobuf reader for TensorProto -----------------------------------------------------

function readVarint(buf, pos) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw new Error('truncated varint');
    const b = buf[pos.i++];
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return result;
    shift += 7n;
  }
}

function fields(buf) {
  const out = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const tag = Number(readVarint(buf, pos));
    const number = tag >>> 3;
    const type = tag & 7;
    if (type === 0) out.push({ number, type, value: readVarint(buf, pos) });
    else if (type === 1) { out.push({ number, type, bytes: buf.subarray(pos.i, pos.i + 8) }); pos.i += 8; }
    else if (type === 5) { out.push({ number, type, bytes: buf.subarray(pos.i, pos.i + 4) }); pos.i += 4; }
    else if (type === 2) {
      const len = Number(readVarint(buf, pos));
      out.push({ number, type, bytes: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else throw new Error('unsupported wire type ' + type);
  }
  return out;
}

function packedVarints(f) {
  if (f.type === 0) return [f.value];
  const vals = [];
  const pos = { i: 0 };
  while (pos.i < f.bytes.length) vals.push(readVarint(f.bytes, pos));
  return vals;
}

const TYPES = {
  1: ['float32', Float32Array, 4], 2: ['uint8', Uint8Array, 1], 3: ['int8', Int8Array, 1],
  4: ['uint16', Uint16Array, 2], 5: ['int16', Int16Array, 2], 6: ['int32', Int32Array, 4],
  7: ['int64', BigInt64Array, 8], 8: ['string', Array, 0], 9: ['bool', Uint8Array, 1],
  10: ['float16', Uint16Array, 2], 11: ['float64', Float64Array, 8], 12: ['uint32', Uint32Array, 4],
  13: ['uint64', BigUint64Array, 8],
};

// Parses a serialized TensorProto into an ort.Tensor (throws for types ORT-node cannot take).
function parseTensor(buf) {
  const dims = [];
  let dataType = 0;
  let raw = null;
  const typed = { 4: [], 5: [], 6: [], 7: [], 10: [], 11: [] };
  for (const f of fields(buf)) {
    if (f.number === 1) dims.push(...packedVarints(f).map(Number));
    else if (f.number === 2) dataType = Number(f.value);
    else if (f.number === 9) raw = f.bytes;
    else if (f.number === 4) {
      const b = Buffer.from(f.bytes);  // once per field: a copy per element is quadratic
      for (let i = 0; i < b.length; i += 4) typed[4].push(b.readFloatLE(i));
    } else if (f.number === 10) {
      const b = Buffer.from(f.bytes);
      for (let i = 0; i < b.length; i += 8) typed[10].push(b.readDoubleLE(i));
    } else if (f.number === 5 || f.number === 7 || f.number === 11) typed[f.number].push(...packedVarints(f));
    else if (f.number === 6) typed[6].push(Buffer.from(f.bytes).toString('utf8'));
    else if (f.number === 14 && Number(f.value) === 1) throw new Error('external data');
  }
  const t = TYPES[dataType];
  if (!t) throw new Error('element type ' + dataType + ' not supported by this checker');
  const [name, Ctor, size] = t;
  const count = dims.reduce((a, b) => a * b, 1);
  let data;
  if (name === 'string') data = typed[6];
  else if (raw) {
    const copy = new Uint8Array(raw); // aligned copy
    data = new Ctor(copy.buffer, copy.byteOffset, raw.length / size);
  } else if (dataType === 1) data = Float32Array.from(typed[4]);
  else if (dataType === 11) data = Float64Array.from(typed[10]);
  else if (dataType === 7) data = BigInt64Array.from(typed[7]);
  else if (dataType === 13) data = BigUint64Array.from(typed[11]);
  else if (dataType === 12) data = Uint32Array.from(typed[11].map(Number));
  else data = Ctor.from(typed[5].map(Number));
  if (name !== 'string' && data.length !== count) throw new Error('payload does not match dims');
  return new ort.Tensor(name === 'bool' ? 'bool' : name, data, dims);
}

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// Compares one output with the reference; returns null when equal within tolerance.
function compare(got, want, rtol, atol) {
  if (got.type !== want.type && !(got.type === 'bool' && want.type === 'bool'))
    return `type ${got.type} != ${want.type}`;
  if (got.dims.join(',') !== want.dims.join(',')) return `shape [${got.dims}] != [${want.dims}]`;
  const a = got.data;
  const b = want.data;
  for (let i = 0; i < b.length; ++i) {
    let x = a[i];
    let y = b[i];
    if (got.type === 'float16') { x = halfToFloat(x); y = halfToFloat(y); }
    if (typeof x === 'bigint' || typeof x === 'string' || typeof x === 'boolean') {
      if (x !== y) return `element ${i}: ${x} != ${y}`;
      continue;
    }
    x = Number(x);
    y = Number(y);
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return `element ${i}: ${x} != ${y}`;
  }
  return null;
}

// Runs `model` on the inputs and compares with the expected outputs.
// Returns {ok, error?, stage} where stage is 'load', 'run' or 'compare'.
async function runModel(model, inputPbs, expectedPbs, rtol = 1e-3, atol = 1e-5) {
  let session;
  try {
    session = await ort.InferenceSession.create(model, { logSeverityLevel: 4 });
  } catch (e) {
    return { ok: false, stage: 'load', error: String(e.message || e).split('\n')[0] };
  }
  try {
    const feeds = {};
    inputPbs.forEach((p, i) => { feeds[session.inputNames[i]] = parseTensor(fs.readFileSync(p)); });
    const outputs = await session.run(feeds);
    for (let i = 0; i < expectedPbs.length; ++i) {
      const want = parseTensor(fs.readFileSync(expectedPbs[i]));
      const got = outputs[session.outputNames[i]];
      const diff = compare(got, want, rtol, atol);
      if (diff) return { ok: false, stage: 'compare', error: `output ${session.outputNames[i]}: ${diff}` };
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, stage: 'run', error: String(e.message || e).split('\n')[0] };
  } finally {
    if (session && session.release) await session.release();
  }
}

// ---- check mode: a manifest of converted models (written by tests/unit/convert_ort_test.cpp) ----

// Element type codes of a serialized TensorProto (field 2), without decoding the data.
function tensorType(file) {
  for (const f of fields(fs.readFileSync(file))) if (f.number === 2) return Number(f.value);
  return 0;
}

async function checkManifest(file, jobs) {
  const entries = JSON.parse(fs.readFileSync(file, 'utf8'));
  const counts = { converted: entries.length, matched: 0, baseline_fail: 0, ort_unsupported: 0,
                   skipped_types: 0, failures: 0 };
  const failures = [];
  const baseline = new Map();
  const typesOk = new Map();
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const e = entries[next++];
      if (!typesOk.has(e.name)) {
        let ok = true;
        try {
          for (const p of [...e.inputs, ...e.outputs]) if (!TYPES[tensorType(p)]) ok = false;
        } catch (err) {
          ok = false;  // sequences / optionals: not handled here
        }
        typesOk.set(e.name, ok);
      }
      if (!typesOk.get(e.name)) { counts.skipped_types++; continue; }
      if (!baseline.has(e.name)) baseline.set(e.name, runModel(e.model, e.inputs, e.outputs));
      const base = await baseline.get(e.name);
      if (!base.ok) { counts.baseline_fail++; continue; }
      const r = await runModel(e.converted, e.inputs, e.outputs);
      if (r.ok) { counts.matched++; continue; }
      if (r.stage === 'load' && /NOT_IMPLEMENTED|Could not find an implementation/i.test(r.error)) {
        counts.ort_unsupported++;
        continue;
      }
      counts.failures++;
      failures.push(`${e.name} -> ${e.target}: ${r.stage}: ${r.error}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  console.log(JSON.stringify(counts));
  for (const f of failures) console.log('FAIL ' + f);
  return counts.failures === 0 ? 0 : 1;
}

// ---- same mode: converted models against their original on the same inputs ----------------------

// Runs a model on already parsed feeds; returns {outputs} or {error}.
async function runFeeds(model, feedPbs) {
  let session;
  try {
    session = await ort.InferenceSession.create(model, { logSeverityLevel: 4 });
    const feeds = {};
    for (const [name, p] of Object.entries(feedPbs)) feeds[name] = parseTensor(fs.readFileSync(p));
    const outputs = await session.run(feeds);
    return { outputs, names: session.outputNames };
  } catch (e) {
    return { error: String(e.message || e).split('\n')[0] };
  } finally {
    if (session && session.release) await session.release();
  }
}

function maxAbsDiff(got, want) {
  let worst = 0;
  if (typeof want.data[0] !== 'number') return 0;
  for (let i = 0; i < want.data.length; ++i) {
    const d = Math.abs(Number(got.data[i]) - Number(want.data[i]));
    if (d > worst) worst = d;
  }
  return worst;
}

// MANIFEST: [{name, model, feeds: {input name: pb}, converted: [{label, path}]}] (written by
// convert_ort_test's real-model test). Every converted model must give the original's outputs
// (same names, types, shapes; values within rtol 1e-3, atol 1e-4). Prints one line per comparison.
async function sameManifest(file) {
  const entries = JSON.parse(fs.readFileSync(file, 'utf8'));
  let failures = 0;
  let compared = 0;
  for (const e of entries) {
    const base = await runFeeds(e.model, e.feeds);
    if (base.error) {
      console.log(`FAIL ${e.name}: the original does not run in onnxruntime: ${base.error}`);
      ++failures;
      continue;
    }
    for (const c of e.converted) {
      const r = await runFeeds(c.path, e.feeds);
      let problem = r.error ? 'does not run: ' + r.error : null;
      let worst = 0;
      const shapes = [];
      for (const name of base.names) {
        if (problem) break;
        const want = base.outputs[name];
        const got = r.outputs[name];
        if (!got) { problem = `output ${name} missing`; break; }
        const diff = compare(got, want, 1e-3, 1e-4);
        if (diff) { problem = `output ${name}: ${diff}`; break; }
        worst = Math.max(worst, maxAbsDiff(got, want));
        shapes.push(`${name}[${want.dims.join('x')}]`);
      }
      ++compared;
      if (problem) {
        ++failures;
        console.log(`FAIL ${e.name} ${c.label}: ${problem}`);
      } else {
        console.log(`ok   ${e.name} ${c.label}: ${shapes.join(' ')} equal, max |diff| ${worst.toExponential(2)}`);
      }
    }
  }
  console.log(JSON.stringify({ models: entries.length, compared, failures }));
  return failures === 0 ? 0 : 1;
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'check') process.exit(await checkManifest(rest[0], Number(rest[1] || 2)));
  if (mode === 'same') process.exit(await sameManifest(rest[0]));
  if (mode === 'run') {
    const i = rest.indexOf('--expect');
    const inputs = i < 0 ? rest.slice(1) : rest.slice(1, i);
    const expected = i < 0 ? [] : rest.slice(i + 1);
    const r = await runModel(rest[0], inputs, expected);
    console.log(JSON.stringify(r));
    process.exit(r.ok ? 0 : 1);
  }
  console.error('usage: node run.js run MODEL IN.pb... --expect OUT.pb... | check MANIFEST.json [JOBS] | ' +
                'same MANIFEST.json');
  process.exit(2);
}

main();
