'use strict'
// x12-parse.js FILE...
//
// Conformance peer for codecs/x12: parses each X12 interchange named on the
// command line with node-x12's X12Parser in strict mode (control numbers,
// SE01/GE01/IEA01 counts, ISA length and envelope nesting are enforced) and
// prints one JSON array with, per file:
//   {file, ok, segments, tags: [{tag, elements}], errors: [message]}
// The Go test (codecs/x12/x12_node_test.go) compares segments and tags with
// its own parser. Exit status is 0 whenever the report was written; a parse
// failure is reported as ok: false, not as a crash.
const fs = require('fs')
const path = require('path')
const { X12Parser } = require('node-x12')

// ERROR is X12DiagnosticLevel.Error; strict mode throws on most problems, and
// any diagnostic left at this level still counts as a failure.
const ERROR = 2

function describe (file) {
  const report = { file: path.basename(file), ok: false, segments: 0, tags: [], errors: [] }
  try {
    const edi = fs.readFileSync(file, 'utf8')
    const parser = new X12Parser(true)
    const interchange = parser.parse(edi)
    if (interchange === undefined || interchange.header === undefined) {
      throw new Error('no interchange header')
    }
    if (Array.isArray(interchange.interchanges)) {
      throw new Error('more than one interchange')
    }
    const push = (seg, what) => {
      if (seg === undefined) throw new Error(`missing ${what}`)
      report.tags.push({ tag: seg.tag, elements: seg.elements.length })
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
    report.segments = report.tags.length
    report.errors = parser.diagnostics.filter(d => d.level === ERROR).map(d => d.message)
    report.ok = report.errors.length === 0
  } catch (err) {
    report.errors.push(String(err && err.message ? err.message : err))
  }
  return report
}

const files = process.argv.slice(2)
if (files.length === 0) {
  process.stderr.write('usage: node x12-parse.js FILE...\n')
  process.exit(2)
}
process.stdout.write(JSON.stringify(files.map(describe)) + '\n')
