#!/usr/bin/env node
// hl7-bench.js runs HL7 v2 messages through the npm parsers the Go codec
// (codecs/hl7) is compared with: @medplum/core's Hl7Message and
// @redoxengine/redox-hl7-v2. It prints JSON on stdout for the Go tests.
//
//   node hl7-bench.js bench [--iterations N] [--warmup N] [file.hl7 ...]
//       parse and encode every message N times per parser; messages/s.
//   node hl7-bench.js extract [--iterations N] [--warmup N] [file.hl7 ...]
//       typed ORU extraction with @medplum/core (the fastest peer): every OBX
//       with its code, sub-id, units, flags, status and its OBX-5 values
//       decoded by OBX-2 (numbers with comparators, coded values, text);
//       messages/s and observations per message.
//   node hl7-bench.js inspect [file.hl7 ...]
//       what @medplum/core (and redox) read from each message: segment
//       count, MSH-10, delimiters and every field split into repetitions
//       and components, for the conformance test.
//
// Without files it reads codecs/hl7/testdata/*.hl7. Messages are read as
// latin1 so every byte reaches the parsers unchanged.
'use strict';

const fs = require('fs');
const path = require('path');
const { Hl7Message } = require('@medplum/core');
const redox = require('@redoxengine/redox-hl7-v2');

function packageVersion(name) {
  // @medplum/core's "exports" hides package.json from require(); read the file.
  const file = path.join(__dirname, 'node_modules', name, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

function parseArgs(argv) {
  const opts = { mode: argv[0] || 'bench', iterations: 2000, warmup: 200, files: [] };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--iterations' || a === '-n') {
      opts.iterations = Number(argv[++i]);
    } else if (a === '--warmup') {
      opts.warmup = Number(argv[++i]);
    } else {
      opts.files.push(a);
    }
  }
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1 || !Number.isInteger(opts.warmup) || opts.warmup < 0) {
    throw new Error('--iterations must be a positive integer and --warmup a non-negative one');
  }
  if (opts.files.length === 0) {
    const dir = path.join(__dirname, '..', '..', 'codecs', 'hl7', 'testdata');
    opts.files = fs.readdirSync(dir).filter((f) => f.endsWith('.hl7')).sort().map((f) => path.join(dir, f));
  }
  return opts;
}

function readMessages(files) {
  return files.map((f) => ({ file: path.basename(f), text: fs.readFileSync(f, 'latin1') }));
}

// Each peer parses text into its own model and encodes that model back.
const redoxParser = new redox.Parser();
const redoxGenerator = new redox.Generator();
const peers = [
  {
    parser: '@medplum/core',
    version: packageVersion('@medplum/core'),
    parse: (text) => Hl7Message.parse(text),
    encode: (msg) => msg.toString(),
  },
  {
    parser: '@redoxengine/redox-hl7-v2',
    version: packageVersion('@redoxengine/redox-hl7-v2'),
    parse: (text) => redoxParser.parse(text),
    encode: (json) => redoxGenerator.write(json),
  },
];

// time runs fn over every item `iterations` times and returns seconds.
function time(items, iterations, fn) {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    for (const item of items) {
      if (fn(item)) sink++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink < 0) console.error(sink); // keeps the work observable to the JIT
  return seconds;
}

function bench(opts) {
  const messages = readMessages(opts.files);
  const results = [];
  for (const peer of peers) {
    // Messages a peer cannot parse are reported and left out of its timing.
    const ok = [];
    const failed = [];
    for (const m of messages) {
      try {
        ok.push({ text: m.text, model: peer.parse(m.text) });
      } catch (e) {
        failed.push(m.file);
      }
    }
    for (const [op, fn] of [
      ['parse', (m) => peer.parse(m.text)],
      ['encode', (m) => peer.encode(m.model)],
    ]) {
      time(ok, opts.warmup, fn);
      const seconds = time(ok, opts.iterations, fn);
      const count = ok.length * opts.iterations;
      results.push({
        parser: peer.parser,
        version: peer.version,
        op,
        messages: count,
        seconds,
        messagesPerSecond: seconds > 0 ? count / seconds : 0,
        failed,
      });
    }
  }
  return { node: process.version, iterations: opts.iterations, files: messages.map((m) => m.file), results };
}

// medplumFields returns field n..last of a segment as repetitions of components.
function medplumFields(seg) {
  const out = [];
  // MSH-1 and MSH-2 are the delimiters; medplum's fields[1] is MSH-2, so
  // MSH-n is fields[n-1] and real fields start at MSH-3.
  const first = seg.name === 'MSH' ? 3 : 1;
  const last = seg.name === 'MSH' ? seg.fields.length : seg.fields.length - 1;
  for (let n = first; n <= last; n++) {
    out.push(seg.getField(n).components.map((rep) => rep.slice()));
  }
  return out;
}

// decodeValue reads one OBX-5 repetition (an array of components) as codecs/hl7 does.
function decodeValue(type, comps) {
  const first = (comps[0] || '').trim();
  switch (type) {
    case 'SN':
      if (comps.length > 1) {
        return { comparator: comps[0] || '', number: parseFloat(comps[1]), separator: comps[2] || '', number2: comps[3] ? parseFloat(comps[3]) : undefined };
      }
    // falls through: an SN written flat reads like an NM
    case 'NM': {
      const m = /^(<=|>=|<|>)?\s*([-+]?[0-9 ]*\.?[0-9 ]+)$/.exec(first);
      if (m) return { comparator: m[1] || '', number: parseFloat(m[2].replace(/ /g, '')) };
      return { text: first, warning: true };
    }
    case 'CWE':
    case 'CE':
    case 'CNE':
      return { code: comps[0] || '', text: comps[1] || comps[0] || '', system: comps[2] || '' };
    default:
      return { text: comps.join('^') };
  }
}

function extractMedplum(text) {
  const msg = Hl7Message.parse(text);
  const out = [];
  let specimen = false; // OBX after SPM describe the specimen, as codecs/hl7 reads them
  for (const seg of msg.segments) {
    if (seg.name === 'SPM') specimen = true;
    if (seg.name === 'OBR') specimen = false;
    if (seg.name !== 'OBX' || specimen) continue;
    const type = seg.getComponent(2, 1);
    out.push({
      type,
      code: seg.getComponent(3, 1),
      subId: seg.getComponent(4, 1),
      values: seg.getField(5).components.map((rep) => decodeValue(type, rep)),
      units: seg.getComponent(6, 1),
      flags: seg.getField(8).components.map((rep) => rep[0]),
      status: seg.getComponent(11, 1),
    });
  }
  return out;
}

function extract(opts) {
  const messages = readMessages(opts.files);
  const observations = messages.reduce((n, m) => n + extractMedplum(m.text).length, 0);
  time(messages, opts.warmup, (m) => extractMedplum(m.text).length > 0);
  const seconds = time(messages, opts.iterations, (m) => extractMedplum(m.text).length > 0);
  const count = messages.length * opts.iterations;
  return {
    node: process.version,
    iterations: opts.iterations,
    files: messages.map((m) => m.file),
    results: [{ parser: '@medplum/core', version: packageVersion('@medplum/core'), op: 'extract', messages: count, seconds,
      messagesPerSecond: seconds > 0 ? count / seconds : 0, observations, failed: [] }],
  };
}

function inspect(opts) {
  return readMessages(opts.files).map((m) => {
    const out = { file: m.file };
    try {
      const msg = Hl7Message.parse(m.text);
      // medplum splits on /[\r\n]+/, so a trailing terminator yields an
      // empty last "segment"; it is not part of the message.
      const segs = msg.segments.filter((s) => s.name !== '');
      const c = msg.context;
      out.medplum = {
        segments: segs.length,
        controlId: msg.getSegment('MSH').getField(10).toString(),
        delimiters: c.fieldSeparator + c.componentSeparator + c.repetitionSeparator + c.escapeCharacter + c.subcomponentSeparator,
        detail: segs.map((s) => ({ name: s.name, fields: medplumFields(s) })),
      };
    } catch (e) {
      out.medplumError = String(e && e.message);
    }
    try {
      const j = redoxParser.parse(m.text);
      out.redox = { controlId: typeof j.MSH['10'] === 'string' ? j.MSH['10'] : JSON.stringify(j.MSH['10']) };
    } catch (e) {
      out.redoxError = String(e && e.message);
    }
    return out;
  });
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let result;
  if (opts.mode === 'bench') {
    result = bench(opts);
  } else if (opts.mode === 'extract') {
    result = extract(opts);
  } else if (opts.mode === 'inspect') {
    result = inspect(opts);
  } else {
    throw new Error('usage: hl7-bench.js bench|extract|inspect [--iterations N] [--warmup N] [file.hl7 ...]');
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main();
