// humaneval-x test driver for JavaScript: node --frozen-intrinsics --experimental-permission
// driver.js ENTRY HELPER...
//
// Node freezes the built-in objects and prototypes before any code runs, and its permission
// model keeps the program from the inspector (which could read this driver's closures), child
// processes and files outside the job's folder and node_modules (/proc/self/mem among them).
// This driver reads the token from stdin (into a Buffer: heap snapshots do not hold its bytes),
// locks every property of the global object, and keeps its own copies of what it uses, all
// before candidate.js (the prompt and the completion) is loaded. The tests run
// in a function of their own, where `console` is the driver's and the helpers they call come
// from reference.js (the prompt and the canonical solution). ENTRY's arguments are copies, and
// its answer must be plain data (primitives, plain objects and arrays) and is copied too: an
// object of a class the completion defined is rejected, so no completion code decides a
// comparison. After the last assertion the driver writes the proof line with the token.
'use strict';
const fs = require('fs');
const vm = require('vm');
const { isProxy } = require('util').types;

const ASSERT_EXIT_CODE = 86;
const stdin = fs.readFileSync(0);
const token = stdin.subarray(0, stdin.includes(10) ? stdin.indexOf(10) : stdin.length);
const [entry, ...helpers] = process.argv.slice(2);
const { writeSync, readFileSync } = fs;
const { runInThisContext } = vm;
const { getPrototypeOf, getOwnPropertyDescriptors, freeze } = Object;
const { isArray } = Array;
const { ownKeys, apply } = Reflect;
const clone = structuredClone;
const exit = process.reallyExit.bind(process);
const realConsole = console;

function report(event, detail = '') {
  writeSync(1, `\nHUMANEVAL_X ${token.toString('latin1')} ${event} ${detail}`.trimEnd() + '\n');
}

function lockGlobals() {
  for (const name of ownKeys(globalThis)) {
    const held = Object.getOwnPropertyDescriptor(globalThis, name);
    if (!held.configurable) continue;
    const locked = 'value' in held ? { ...held, writable: false } : held;
    Object.defineProperty(globalThis, name, { ...locked, configurable: false });
  }
}

function isPlain(value, depth = 0) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return typeof value !== 'symbol';
  }
  if (typeof value === 'function' || isProxy(value) || depth > 100) return false;
  const prototype = getPrototypeOf(value);
  if (isArray(value) ? prototype !== Array.prototype : prototype !== Object.prototype) return false;
  const properties = getOwnPropertyDescriptors(value);
  for (const key of ownKeys(properties)) {
    if (typeof key === 'symbol') return false;
    const property = properties[key];
    if (!('value' in property)) return false;
    if (!(isArray(value) && key === 'length') && !isPlain(property.value, depth + 1)) return false;
  }
  return true;
}

function guarded(candidate) {
  return function (...args) {
    if (typeof candidate !== 'function') throw new TypeError(`${entry} is not a function`);
    const answer = apply(candidate, undefined, clone(args));
    if (!isPlain(answer)) {
      report('reject', `${entry} answered something other than plain data`);
      exit(1);
    }
    return clone(answer);
  };
}

let failed = false;
const testConsole = freeze({
  ...realConsole,
  assert(ok, ...message) {
    if (ok) return;
    failed = true;
    realConsole.error('Assertion failed', ...message);
  },
});

lockGlobals();
const tests = readFileSync('test.js', 'utf8');
const reference = require('./reference.js');
const candidate = require('./candidate.js');
const names = ['console', entry, ...helpers];
const values = [testConsole, guarded(candidate[entry]), ...helpers.map((name) => reference[name])];
const run = runInThisContext(`(function (${names.join(', ')}) {\n${tests}\n})`, { filename: 'test.js' });
apply(run, undefined, values);
if (failed) {
  report('fail', 'an assertion did not hold');
  exit(ASSERT_EXIT_CODE);
}
report('done');
exit(0);
