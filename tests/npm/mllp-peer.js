#!/usr/bin/env node
// mllp-peer.js: real MLLP peers from npm, driven by the Go interop tests in
// transport/mllp/interop_test.go. Every line on stdout is one JSON object.
//
//   node mllp-peer.js send <port> <file> [--lib node-hl7|medplum]
//       Sends the HL7 message in <file> to 127.0.0.1:<port> with the npm client
//       and prints {"event":"ack","ack":...,"msa1":...,"msa2":...}.
//   node mllp-peer.js serve <port>
//       Runs node-hl7-server on 127.0.0.1:<port> (0 picks a free port), prints
//       {"event":"listening","port":N}, then for every message
//       {"event":"message","message":...,"controlId":...} and answers AA.
//
// Exit status 0 on success; on failure it prints {"event":"error","error":...}
// to stdout and exits 1. Loopback only: the peers never bind other interfaces.
'use strict';

const fs = require('node:fs');

const TIMEOUT_MS = 15000;

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function fail(err) {
  emit({ event: 'error', error: String(err && err.stack ? err.stack : err) });
  process.exit(1);
}

// readMessage loads an HL7 file and normalises segment terminators to CR,
// since test fixtures are stored with LF line endings.
function readMessage(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/\r\n|\n|\r/g, '\r').replace(/\r+$/, '');
  if (!text.startsWith('MSH')) {
    throw new Error(`${file} does not start with MSH`);
  }
  return text;
}

// mshField returns MSH-n (1-based, MSH-1 being the field separator).
function mshField(text, n) {
  const msh = text.split('\r')[0];
  const fields = msh.split(msh.charAt(3));
  return fields[n - 1] || '';
}

function msaFields(ackText) {
  const seg = ackText.split(/\r\n|\n|\r/).find((s) => s.startsWith('MSA'));
  if (!seg) return { msa1: '', msa2: '' };
  const fields = seg.split(ackText.charAt(3));
  return { msa1: fields[1] || '', msa2: fields[2] || '' };
}

async function sendNodeHl7(port, text) {
  const { Client, Message } = require('node-hl7-client');
  // node-hl7-client insists the connection version equals each message's MSH-12.
  const version = mshField(text, 12);
  const client = new Client({ host: '127.0.0.1', version });
  return new Promise((resolve, reject) => {
    let raw;
    const conn = client.createConnection({ port, waitAck: true, maxConnectionAttempts: 1 }, async (res) => {
      resolve({ raw: raw !== undefined ? raw : res.getMessage().toString(), close: () => conn.close() });
    });
    conn.on('data.raw', (data) => {
      raw = data;
    });
    conn.on('client.error', reject);
    conn.on('data.error', reject);
    conn.sendMessage(new Message({ text })).catch(reject);
  });
}

async function sendMedplum(port, text) {
  const { Hl7Client } = require('@medplum/hl7');
  const { Hl7Message } = require('@medplum/core');
  const client = new Hl7Client({ host: '127.0.0.1', port });
  const ack = await client.sendAndWait(Hl7Message.parse(text), { timeoutMs: TIMEOUT_MS });
  return { raw: ack.toString(), close: () => client.close() };
}

async function send(port, file, lib) {
  const text = readMessage(file);
  const result = await (lib === 'medplum' ? sendMedplum(port, text) : sendNodeHl7(port, text));
  const ack = result.raw.replace(/\r+$/, '');
  emit({ event: 'ack', lib, ack, ...msaFields(ack) });
  await result.close();
  process.exit(0);
}

function serve(port) {
  const { Server } = require('node-hl7-server');
  const server = new Server({ bindAddress: '127.0.0.1' });
  const inbound = server.createInbound({ port }, async (req, res) => {
    const message = req.getMessage();
    emit({
      event: 'message',
      message: message.toString(),
      controlId: message.get('MSH.10').toString(),
    });
    await res.sendResponse('AA');
  });
  inbound.on('listen', () => {
    // The port is read back from the net.Server so that port 0 works.
    const addr = inbound._socket && inbound._socket.address();
    emit({ event: 'listening', port: addr && addr.port ? addr.port : port });
  });
  inbound.on('error', fail);
  inbound.on('data.error', (err) => emit({ event: 'data.error', error: String(err) }));
  const stop = () => {
    inbound.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function main(argv) {
  const [mode, portArg, ...rest] = argv;
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    fail(`usage: mllp-peer.js send <port> <file> [--lib node-hl7|medplum] | serve <port>`);
  }
  if (mode === 'send') {
    const file = rest[0];
    const libIdx = rest.indexOf('--lib');
    const lib = libIdx >= 0 ? rest[libIdx + 1] : 'node-hl7';
    if (!file || !['node-hl7', 'medplum'].includes(lib)) {
      fail('usage: mllp-peer.js send <port> <file> [--lib node-hl7|medplum]');
    }
    setTimeout(() => fail(`no ACK within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    send(port, file, lib).catch(fail);
  } else if (mode === 'serve') {
    serve(port);
  } else {
    fail(`unknown mode ${mode}`);
  }
}

main(process.argv.slice(2));
