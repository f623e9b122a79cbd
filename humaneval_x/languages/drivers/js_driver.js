// humaneval-x test driver for JavaScript: node --experimental-permission driver.js ENTRY HELPER...
//
// Node's permission model keeps the program from the inspector (which could read this driver's
// closures), child processes and files outside the job's folder and node_modules
// (/proc/self/mem among them). Before candidate.js (the prompt and the completion) is loaded,
// this driver reads the token from stdin (into a Buffer: heap snapshots do not hold its bytes),
// freezes the language's built-in objects and prototypes (what node's --frozen-intrinsics does,
// in a tenth of its start-up cost), locks every property of the global object, and keeps its
// own copies of what it uses. The tests run
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

// The built-ins the tests' code can reach: the language's globals and the prototypes that have
// no global name. Node's own objects (process, Buffer, require) are not among them.
const BUILT_INS = [
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date',
  'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
  'SyntaxError', 'TypeError', 'URIError', 'JSON', 'Math', 'Intl', 'Reflect', 'Proxy', 'Map',
  'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'ArrayBuffer',
  'SharedArrayBuffer', 'DataView', 'Atomics', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray',
  'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURI',
  'encodeURIComponent', 'decodeURI', 'decodeURIComponent', 'escape', 'unescape', 'eval',
].map((name) => globalThis[name]);
const HIDDEN = [
  [][Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](),
  ''[Symbol.iterator](), ''.matchAll(/./g), (function* () {})(), (async function* () {})(),
  Object.getPrototypeOf(Int8Array), function* () {}, async function () {}, async function* () {},
].map((value) => Object.getPrototypeOf(value));
// Properties that ordinary code assigns on its own objects (`o.toString = ...`): on a frozen
// prototype such an assignment would fail, so they become accessors that define the property
// on the object assigned to, as a data property would have been.
const OVERRIDABLE = {
  Object: ['constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
    'toLocaleString', 'toString', 'valueOf'],
  Array: ['constructor', 'toString', 'toLocaleString'],
  Function: ['constructor', 'toString', 'call', 'apply', 'bind'],
  Error: ['constructor', 'name', 'message', 'toString'],
  String: ['constructor', 'toString', 'valueOf'],
  Number: ['constructor', 'toString', 'valueOf'],
  Boolean: ['constructor', 'toString', 'valueOf'],
};

function allowOverrides() {
  for (const [name, keys] of Object.entries(OVERRIDABLE)) {
    const prototype = globalThis[name].prototype;
    for (const key of keys) {
      const held = Object.getOwnPropertyDescriptor(prototype, key);
      if (!held || !('value' in held)) continue;
      const value = held.value;
      Object.defineProperty(prototype, key, {
        get() { return value; },
        set(replacement) {
          if (this === prototype) throw new TypeError(`Cannot assign to ${name}.prototype.${key}`);
          Object.defineProperty(this, key, {
            value: replacement, writable: true, enumerable: true, configurable: true,
          });
        },
        enumerable: held.enumerable,
        configurable: false,
      });
    }
  }
}

function harden(roots) {
  const seen = new Set();
  const pending = [...roots];
  while (pending.length) {
    const value = pending.pop();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
    if (seen.has(value) || value === globalThis) continue;
    seen.add(value);
    Object.freeze(value);
    pending.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const held = Object.getOwnPropertyDescriptor(value, key);
      pending.push(held.value, held.get, held.set);
    }
  }
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

allowOverrides();
harden([...BUILT_INS, ...HIDDEN]);
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
