// Runs the AssemblyScript plugin the way the Campagnon host does, in Node's
// own WebAssembly engine: checks the module's imports and exports against
// the ABI, runs every golden case of testdata/golden (op, input, expected
// output envelope, compared as JSON values), then 10,000 quotes to check
// that memory stays flat. `campagnon plugin test` runs the same golden
// files in the real host.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

const wasm = readFileSync(new URL("./build/plugin.wasm", import.meta.url));
const module = await WebAssembly.compile(wasm);
let failures = 0;
const fail = (msg) => {
  failures++;
  console.error("FAIL " + msg);
};

// The ABI: one import (campagnon.log), and these exports.
const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}`);
if (!isDeepStrictEqual(imports, ["campagnon.log"])) fail(`imports ${JSON.stringify(imports)}, want only campagnon.log`);
const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
const ops = ["describe", "categories", "quote", "payment_modes", "validate_listing"];
for (const name of ["campagnon_abi_v1", "campagnon_alloc", "campagnon_free", "_initialize", ...ops.map((o) => "campagnon_" + o)]) {
  if (exports.get(name) !== "function") fail(`export ${name} missing`);
}
if (exports.get("memory") !== "memory") fail("export memory missing");

const logs = [];
const instance = await WebAssembly.instantiate(module, {
  campagnon: {
    log(level, ptr, len) {
      logs.push([level, new TextDecoder().decode(new Uint8Array(instance.exports.memory.buffer, ptr, len))]);
    },
  },
});
const x = instance.exports;
x._initialize();

function call(op, input) {
  const bytes = new TextEncoder().encode(JSON.stringify(input));
  const ptr = x.campagnon_alloc(bytes.length);
  new Uint8Array(x.memory.buffer, ptr, bytes.length).set(bytes);
  const packed = x["campagnon_" + op](ptr, bytes.length);
  const outPtr = Number(BigInt.asUintN(64, packed) >> 32n);
  const outLen = Number(BigInt.asUintN(32, packed));
  const text = new TextDecoder().decode(new Uint8Array(x.memory.buffer, outPtr, outLen));
  x.campagnon_free(ptr, bytes.length);
  return JSON.parse(text);
}

const describe = call("describe", {});
if (!describe.ok || describe.result.abi !== 1 || !isDeepStrictEqual(describe.result.operations, ops)) {
  fail("describe: " + JSON.stringify(describe));
}

const dir = new URL("./testdata/golden/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
for (const f of files) {
  const g = JSON.parse(readFileSync(new URL(f, dir), "utf8"));
  const got = call(g.op, g.input);
  if (!isDeepStrictEqual(got, g.output)) {
    fail(`${f}:\n got  ${JSON.stringify(got)}\n want ${JSON.stringify(g.output)}`);
  } else {
    console.log(`ok   ${f}`);
  }
}
if (!logs.some(([level, msg]) => level === 0 && msg === "unknown_category")) fail("no refusal was logged through campagnon.log: " + JSON.stringify(logs));

// The configuration protocol: the SHA-256 of config must be config_hash (a
// mismatch is refused as invalid_request), a hash not held without config gets config_required.
const quote = JSON.parse(readFileSync(new URL("quote-free.json", dir), "utf8")).input;
const withConfig = (config) => {
  const text = JSON.stringify(config);
  return { ...quote, context: { ...quote.context, config, config_hash: createHash("sha256").update(text).digest("hex") } };
};
for (const n of [0, 40, 55, 56, 63, 64, 119, 120, 1000]) {
  const req = withConfig({ pad: "x".repeat(n) });
  if (!call("quote", req).ok) fail(`config of ${n} padding bytes refused`);
  const { config, ...noConfig } = req.context;
  if (!call("quote", { ...req, context: noConfig }).ok) fail(`held configuration (${n}) not remembered`);
}
const unknown = { ...quote, context: { ...quote.context, config_hash: "0".repeat(63) + "1" } };
delete unknown.context.config;
const required = call("quote", unknown);
if (required.ok || required.refusal.code !== "config_required") fail("unknown hash without config: " + JSON.stringify(required));
const mismatch = call("quote", { ...quote, context: { ...quote.context, config: { a: 1 } } });
if (mismatch.ok || mismatch.refusal.code !== "invalid_request") fail("a configuration that does not match its hash: " + JSON.stringify(mismatch));

const before = x.memory.buffer.byteLength;
for (let i = 0; i < 10000; i++) call("quote", quote);
if (x.memory.buffer.byteLength !== before) fail(`memory grew from ${before} to ${x.memory.buffer.byteLength} bytes over 10,000 quotes`);

if (failures > 0) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log(`ok   ${files.length} golden cases, ABI exports and imports, memory flat over 10,000 quotes`);
