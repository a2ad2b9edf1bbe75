'use strict'
// x12-segments.js FILE...
//
// Conformance peer for codecs/x12 builders: parses each X12 interchange named
// on the command line with node-x12's X12Parser in strict mode and prints one
// JSON array with, per file:
//   {file, ok, segments: [[tag, element1, element2, ...]], errors: [message]}
// so the Go tests can compare every element of every segment with what they
// built. Exit status is 0 whenever the report was written; a parse failure
// is reported as ok: false.
const fs = require('fs')
const path = require('path')
const { X12Parser } = require('node-x12')

// ERROR is X12DiagnosticLevel.Error.
const ERROR = 2

function describe (file) {
  const report = { file: path.basename(file), ok: false, segments: [], errors: [] }
  try {
    const parser = new X12Parser(true)
    const interchange = parser.parse(fs.readFileSync(file, 'utf8'))
    if (interchange === undefined || interchange.header === undefined) {
      throw new Error('no interchange header')
    }
    if (Array.isArray(interchange.interchanges)) {
      throw new Error('more than one interchange')
    }
    const push = (seg, what) => {
      if (seg === undefined) throw new Error(`missing ${what}`)
      report.segments.push([seg.tag, ...seg.elements.map(e => e.value)])
    }
    push(interchange.header, 'ISA')
    for (const group of interchange.functionalGroups) {
      push(group.header, 'GS')
      for (const tx of group.transactions) {
        push(tx.header, 'ST')
        tx.segments.forEach(s => push(s, 'segment'))
        push(tx.trailer, 'SE')
      }
      push(group.trailer, 'GE')
    }
    push(interchange.trailer, 'IEA')
    report.errors = parser.diagnostics.filter(d => d.level === ERROR).map(d => d.message)
    report.ok = report.errors.length === 0
  } catch (err) {
    report.errors.push(String(err && err.message ? err.message : err))
  }
  return report
}

const files = process.argv.slice(2)
if (files.length === 0) {
  process.stderr.write('usage: node x12-segments.js FILE...\n')
  process.exit(2)
}
process.stdout.write(JSON.stringify(files.map(describe)) + '\n')
