// The minimal Campagnon territory plugin, in AssemblyScript.
//
// One category ("Coup de main entre voisins"), between residents, free
// only: the same plugin as examples/minimal in Go, giving the same answers
// as JSON values. It shows that the plugin ABI (docs/plugin-abi.md) is plain
// WebAssembly and JSON, whatever the language:
//
//   - the marker export campagnon_abi_v1, memory, _initialize (the
//     compiler's start function, exported with --exportStart _initialize);
//   - campagnon_alloc / campagnon_free, backed by the runtime's allocator;
//   - one export per operation, (ptr i32, len i32) -> i64, whose result
//     packs the output's pointer (high 32 bits) and length (low 32 bits);
//   - a single import, campagnon.log (abort is compiled to a trap with
//     --use abort=, so no env.abort import remains);
//   - the configuration protocol: the configuration's SHA-256 checked
//     against its hash, config_required for a hash not held.
//
// Every answer but the quote is a constant: it is rendered once, when the
// instance starts, and returned as it is. A call scans its input once, in
// place, and allocates no managed object, so the garbage collector never
// runs. (Inside the host every loop iteration of a guest costs a check, so
// the fewer passes over the bytes, the faster.) Non-ASCII text is written
// as \u escapes, which JSON allows, so no UTF-8 encoder is needed.

// ---- host import -----------------------------------------------------------

@external("campagnon", "log")
declare function hostLog(level: i32, ptr: usize, len: usize): void;

const LOG_DEBUG: i32 = 0;

// ---- ABI marker, memory management ----------------------------------------

/** Declares ABI version 1. Never called. */
export function campagnon_abi_v1(): void {}

/** Returns a buffer of at least size bytes for the host to write an input into. */
export function campagnon_alloc(size: usize): usize {
  return heap.alloc(size > 0 ? size : 1);
}

/** The host is done with a buffer that campagnon_alloc returned. */
export function campagnon_free(ptr: usize, size: usize): void {
  heap.free(ptr);
}

// ---- writing JSON --------------------------------------------------------------

// The output being written; the quote's answer stays valid until the next
// call (the ABI's rule).
let out: usize = 0;
let outCap: usize = 0;
let outLen: usize = 0;

function reset(): void {
  outLen = 0;
}

function ensure(n: usize): void {
  if (outLen + n <= outCap) return;
  let cap = outCap * 2;
  if (cap < outLen + n) cap = outLen + n;
  if (cap < 1024) cap = 1024;
  out = out == 0 ? heap.alloc(cap) : heap.realloc(out, cap);
  outCap = cap;
}

/** Writes ASCII JSON syntax as is. */
function wRaw(s: string): void {
  const n = s.length;
  ensure(<usize>n);
  for (let i = 0; i < n; i++) store<u8>(out + outLen + <usize>i, <u8>s.charCodeAt(i));
  outLen += <usize>n;
}

const HEX = "0123456789abcdef";

/** Writes s as a JSON string: ASCII kept, everything else \u-escaped. */
function wStr(s: string): void {
  ensure(<usize>s.length * 6 + 2);
  let o = out + outLen;
  store<u8>(o++, 0x22);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c != 0x22 && c != 0x5c) {
      store<u8>(o++, <u8>c);
    } else if (c == 0x22 || c == 0x5c) {
      store<u8>(o++, 0x5c);
      store<u8>(o++, <u8>c);
    } else {
      store<u8>(o++, 0x5c);
      store<u8>(o++, 0x75);
      store<u8>(o++, <u8>HEX.charCodeAt((c >> 12) & 15));
      store<u8>(o++, <u8>HEX.charCodeAt((c >> 8) & 15));
      store<u8>(o++, <u8>HEX.charCodeAt((c >> 4) & 15));
      store<u8>(o++, <u8>HEX.charCodeAt(c & 15));
    }
  }
  store<u8>(o++, 0x22);
  outLen = o - out;
}

/** Writes a non-negative integer below 10^10. */
function wInt(n: i64): void {
  ensure(10);
  let digits = 1;
  for (let m = n; m >= 10; m /= 10) digits++;
  for (let k = digits - 1; k >= 0; k--) {
    store<u8>(out + outLen + <usize>k, <u8>(0x30 + n % 10));
    n /= 10;
  }
  outLen += <usize>digits;
}

/** Copies what was written into a block of its own and packs it for the host. */
function freeze(): i64 {
  const p = heap.alloc(outLen);
  memory.copy(p, out, outLen);
  const packed = (<i64>p << 32) | <i64>outLen;
  reset();
  return packed;
}

/** Packs the output buffer for the host: pointer in the high 32 bits, length in the low. */
function done(): i64 {
  return (<i64>out << 32) | <i64>outLen;
}

function renderRefusal(code: string, fr: string, en: string): i64 {
  wRaw('{"ok":false,"refusal":{"code":');
  wStr(code);
  wRaw(',"message":');
  wStr(fr);
  wRaw(',"message_en":');
  wStr(en);
  wRaw("}}");
  return freeze();
}

// ---- the constant answers, rendered when the instance starts -----------------

const NOTE_FREE = "Service rendu gratuitement, entre voisins : aucun paiement.";

function renderDescribe(): i64 {
  wRaw('{"ok":true,"result":{"id":"example.minimal-assemblyscript","name":');
  wStr("Exemple minimal (AssemblyScript)");
  wRaw(',"version":"1.0.0","abi":1,"description":');
  wStr("Une catégorie, des services gratuits entre voisins : le plugin minimal écrit en AssemblyScript.");
  wRaw(',"author":"Campagnon","operations":["describe","categories","quote","payment_modes","validate_listing"]}}');
  return freeze();
}

function renderCategories(): i64 {
  wRaw('{"ok":true,"result":{"categories":[{"id":"coup-de-main","label":');
  wStr("Coup de main entre voisins");
  wRaw(',"label_en":"A helping hand between neighbours","icon":"hand","description":');
  wStr("Petits services rendus gratuitement entre voisins : récupérer un colis, prêter un outil, donner un coup de main.");
  wRaw(',"modalities":["resident"],"modes":["free"],"sap":{"eligible":false}}]}}');
  return freeze();
}

function renderPaymentModes(): i64 {
  wRaw('{"ok":true,"result":{"modes":[{"mode":"free","label":');
  wStr("Gratuit (bénévole)");
  wRaw(',"note":');
  wStr(NOTE_FREE);
  wRaw("}]}}");
  return freeze();
}

function renderQuoteHead(): i64 {
  wRaw('{"ok":true,"result":{"currency":"EUR","mode":"free","lines":[{"code":"volunteer","label":');
  wStr("Service bénévole");
  wRaw(',"quantity":');
  return freeze();
}

function renderQuoteTail(): i64 {
  wRaw(',"unit":"minute","amount_cents":0}],"total_cents":0,"subsidy_cents":0,"payable_cents":0,"commission_cents":0,"tax_credit_eligible_cents":0,"notes":[');
  wStr(NOTE_FREE);
  wRaw("]}}");
  return freeze();
}

function renderListingOK(): i64 {
  wRaw('{"ok":true,"result":{}}');
  return freeze();
}

const DESCRIBE = renderDescribe();
const CATEGORIES = renderCategories();
const PAYMENT_MODES = renderPaymentModes();
const QUOTE_HEAD = renderQuoteHead();
const QUOTE_TAIL = renderQuoteTail();
const LISTING_OK = renderListingOK();
const REFUSE_CATEGORY = renderRefusal("unknown_category", "Catégorie inconnue sur ce territoire.", "Unknown category in this territory.");
const REFUSE_MODALITY = renderRefusal("modality_not_allowed",
  "Sur ce territoire, les services se rendent entre particuliers uniquement.",
  "In this territory, services are exchanged between residents only.");
const REFUSE_MODE = renderRefusal("mode_not_allowed",
  "Sur ce territoire, les services sont gratuits : choisissez le mode « Gratuit (bénévole) ».",
  "In this territory, services are free: choose the free mode.");
const REFUSE_BOUNDS = renderRefusal("invalid_request",
  "Demande invalide : une intervention dure de 1 minute à 24 heures, et se répète de 1 à 1000 fois.",
  "Invalid request: a service lasts from 1 minute to 24 hours and happens 1 to 1000 times.");
const REFUSE_NO_LISTING = renderRefusal("invalid_request", "Demande invalide : l'annonce manque.", "Invalid request: the listing is missing.");
const REFUSE_PRICE = renderRefusal("price_not_allowed", "Un service gratuit n'a pas de prix : indiquez « gratuit ».",
  "A free service has no price: choose free.");
const REFUSE_CONFIG_REQUIRED = renderRefusal("config_required",
  "Ce plugin n'a pas cette configuration : renvoyez la demande avec la configuration.",
  "This plugin does not hold this configuration: resend the request with it.");
const REFUSE_HASH_MISMATCH = renderRefusal("invalid_request",
  "Demande invalide : la configuration ne correspond pas à son empreinte (context.config_hash).",
  "Invalid request: the configuration does not match its hash (context.config_hash).");
const REFUSE_NOT_A_REQUEST = renderRefusal("invalid_request",
  "Demande invalide : le contexte (context.config_hash) manque ou est mal formé.",
  "Invalid request: the context (context.config_hash) is missing or malformed.");

/** Answers a constant refusal, logging its code through the host. */
function refuse(answer: i64): i64 {
  // The code starts at byte 31 of every rendered refusal: {"ok":false,"refusal":{"code":"…
  const p = <usize>(answer >>> 32) + 31;
  let n: usize = 0;
  while (load<u8>(p + n) != 0x22) n++;
  hostLog(LOG_DEBUG, p, n);
  return answer;
}

// ---- reading the input: one pass, in place ---------------------------------------

let inEnd: usize = 0;

function at(i: usize): i32 {
  return i < inEnd ? <i32>load<u8>(i) : 0;
}

function skipWS(i: usize): usize {
  while (i < inEnd) {
    const c = load<u8>(i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    i++;
  }
  return i;
}

/** Returns the index after the string starting at i (on its quote). */
function skipString(i: usize): usize {
  i++;
  while (i < inEnd) {
    const c = load<u8>(i);
    if (c == 0x22) return i + 1;
    i += c == 0x5c ? 2 : 1;
  }
  return inEnd;
}

/** Returns the index after the JSON value starting at i. */
function skipValue(i: usize): usize {
  const c = at(i);
  if (c == 0x22) return skipString(i);
  if (c == 0x7b || c == 0x5b) {
    let depth = 0;
    while (i < inEnd) {
      const d = load<u8>(i);
      if (d == 0x22) {
        i = skipString(i);
        continue;
      }
      if (d == 0x7b || d == 0x5b) depth++;
      else if (d == 0x7d || d == 0x5d) {
        depth--;
        if (depth == 0) return i + 1;
      }
      i++;
    }
    return inEnd;
  }
  while (i < inEnd) {
    const d = load<u8>(i);
    if (d == 0x2c || d == 0x7d || d == 0x5d || d == 0x20 || d == 0x0a || d == 0x0d || d == 0x09) break;
    i++;
  }
  return i;
}

/** Reports whether the n bytes at p spell lit (ASCII). */
function bytesAre(p: usize, n: usize, lit: string): bool {
  if (n != <usize>lit.length) return false;
  for (let k: usize = 0; k < n; k++) {
    if (<i32>load<u8>(p + k) != lit.charCodeAt(<i32>k)) return false;
  }
  return true;
}

/** Reports whether the JSON value at v is the string lit (unescaped). */
function strIs(v: usize, lit: string): bool {
  if (v == 0 || at(v) != 0x22) return false;
  const n = <usize>lit.length;
  return v + n + 1 < inEnd && load<u8>(v + 1 + n) == 0x22 && bytesAre(v + 1, n, lit);
}

/** Reads the integer at v; -1 when absent, not an integer, or too large. */
function intAt(v: usize): i64 {
  if (v == 0) return -1;
  let i = v;
  const neg = at(i) == 0x2d;
  if (neg) i++;
  let n: i64 = 0;
  let digits = 0;
  while (i < inEnd) {
    const c = <i32>load<u8>(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    if (n > 1000000000) return -1;
    digits++;
    i++;
  }
  const c = at(i);
  if (digits == 0 || c == 0x2e || c == 0x65 || c == 0x45) return -1;
  return neg ? -n : n;
}

// Where the values of interest start (0: absent), found by scanObject.
let vHash: usize = 0;
let vConfig: usize = 0;
let vConfigEnd: usize = 0;
let vCategory: usize = 0;
let vModality: usize = 0;
let vMode: usize = 0;
let vMinutes: usize = 0;
let vOccurrences: usize = 0;
let vModes: usize = 0;
let vPriceKind: usize = 0;
let vListing: usize = 0;

const TOP = 0;
const CONTEXT = 1;
const LISTING = 2;

/**
 * Walks the object at i once, recording where the values of interest
 * start; the context and the listing are walked in the same pass. Returns
 * the index after the object.
 */
function scanObject(i: usize, level: i32): usize {
  i = skipWS(i);
  if (at(i) != 0x7b) return skipValue(i);
  i = skipWS(i + 1);
  while (at(i) == 0x22) {
    const key = i + 1;
    const keyEnd = skipString(i) - 1;
    const n = keyEnd - key;
    i = skipWS(keyEnd + 1);
    if (at(i) != 0x3a) return inEnd;
    i = skipWS(i + 1);
    const v = i;
    if (level == TOP && bytesAre(key, n, "context")) {
      i = scanObject(v, CONTEXT);
    } else if (level == TOP && bytesAre(key, n, "listing")) {
      vListing = v;
      i = scanObject(v, LISTING);
    } else {
      i = skipValue(v);
      if (level == CONTEXT) {
        if (bytesAre(key, n, "config_hash")) vHash = v;
        else if (bytesAre(key, n, "config")) {
          vConfig = v;
          vConfigEnd = i;
        }
      } else if (bytesAre(key, n, "category")) vCategory = v;
      else if (bytesAre(key, n, "modality")) vModality = v;
      else if (level == TOP && bytesAre(key, n, "mode")) vMode = v;
      else if (level == TOP && bytesAre(key, n, "minutes")) vMinutes = v;
      else if (level == TOP && bytesAre(key, n, "occurrences")) vOccurrences = v;
      else if (level == LISTING && bytesAre(key, n, "modes")) vModes = v;
      else if (level == LISTING && bytesAre(key, n, "price_kind")) vPriceKind = v;
    }
    i = skipWS(i);
    if (at(i) != 0x2c) break;
    i = skipWS(i + 1);
  }
  return at(i) == 0x7d ? i + 1 : inEnd;
}

/** Scans an input: the values of interest of the top level, context and listing. */
function scan(ptr: usize, len: usize): void {
  inEnd = ptr + len;
  vHash = vConfig = vConfigEnd = vCategory = vModality = vMode = 0;
  vMinutes = vOccurrences = vModes = vPriceKind = vListing = 0;
  scanObject(ptr, TOP);
}

// ---- the configuration protocol ------------------------------------------------
//
// Every input but describe's carries context.config_hash, and context.config
// unless the host already sent that configuration to this instance. Even a
// plugin that reads no configuration follows the protocol: it checks that
// the configuration's SHA-256 is the hash (a mismatch gets the refusal
// invalid_request), remembers the hashes it was sent, and answers the refusal
// config_required for a hash it does not hold, so that the host resends the
// request with the configuration. An input without a valid hash is not an
// ABI request: it gets the refusal invalid_request.

const SLOTS = 16;
// known holds SLOTS hashes of 64 hex characters; configs, per slot, a copy
// of the configuration checked against it (pointer and length), so that
// the same bytes sent again are compared, not hashed again.
const known = heap.alloc(SLOTS * 64);
const configs = heap.alloc(SLOTS * 8);
memory.fill(known, 0, SLOTS * 64);
memory.fill(configs, 0, SLOTS * 8);
let knownNext = 0;

/** Returns 0 when the context is usable, else the refusal to answer. */
function checkContext(): i64 {
  if (!isHash(vHash)) return REFUSE_NOT_A_REQUEST;
  const slot = slotOf(vHash);
  if (vConfig == 0 || at(vConfig) != 0x7b) return slot >= 0 ? 0 : REFUSE_CONFIG_REQUIRED;
  const n = vConfigEnd - vConfig;
  if (slot >= 0 && sameConfig(slot, vConfig, n)) return 0;
  sha256(vConfig, n);
  for (let i: usize = 0; i < 32; i++) {
    const b = <i32>load<u8>(digest + i);
    if (<i32>load<u8>(vHash + 1 + 2 * i) != HEX.charCodeAt(b >> 4) || <i32>load<u8>(vHash + 2 + 2 * i) != HEX.charCodeAt(b & 15)) {
      return REFUSE_HASH_MISMATCH; // the configuration is not the one its hash names: the caller's mistake
    }
  }
  remember(slot, vHash, vConfig, n);
  return 0;
}

function isHash(v: usize): bool {
  if (v == 0 || at(v) != 0x22 || at(v + 65) != 0x22) return false;
  for (let i: usize = 1; i <= 64; i++) {
    const c = load<u8>(v + i);
    if (!(c >= 0x30 && c <= 0x39 || c >= 0x61 && c <= 0x66)) return false;
  }
  return true;
}

/** Returns the slot holding the hash at v, or -1. */
function slotOf(v: usize): i32 {
  for (let s = 0; s < SLOTS; s++) {
    if (memory.compare(known + <usize>s * 64, v + 1, 64) == 0) return s;
  }
  return -1;
}

function sameConfig(slot: i32, cfg: usize, n: usize): bool {
  const entry = configs + <usize>slot * 8;
  return load<u32>(entry + 4) == <u32>n && memory.compare(load<u32>(entry), cfg, n) == 0;
}

/** Stores a checked configuration in its hash's slot, or in the next one. */
function remember(slot: i32, hash: usize, cfg: usize, n: usize): void {
  if (slot < 0) {
    slot = knownNext;
    knownNext = (knownNext + 1) % SLOTS;
    memory.copy(known + <usize>slot * 64, hash + 1, 64);
  }
  const entry = configs + <usize>slot * 8;
  const old = <usize>load<u32>(entry);
  const copy = old == 0 ? heap.alloc(n > 0 ? n : 1) : heap.realloc(old, n > 0 ? n : 1);
  memory.copy(copy, cfg, n);
  store<u32>(entry, <u32>copy);
  store<u32>(entry + 4, <u32>n);
}

// ---- SHA-256 (FIPS 180-4), over guest memory ---------------------------------

const K: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const digest = heap.alloc(32); // the last digest
const w = heap.alloc(256); // 64 words of message schedule
const tail = heap.alloc(128); // the padded last block(s)
let h0: u32 = 0, h1: u32 = 0, h2: u32 = 0, h3: u32 = 0, h4: u32 = 0, h5: u32 = 0, h6: u32 = 0, h7: u32 = 0;

function sha256(p: usize, n: usize): void {
  h0 = 0x6a09e667; h1 = 0xbb67ae85; h2 = 0x3c6ef372; h3 = 0xa54ff53a;
  h4 = 0x510e527f; h5 = 0x9b05688c; h6 = 0x1f83d9ab; h7 = 0x5be0cd19;
  const full = n & ~(<usize>63);
  for (let i: usize = 0; i < full; i += 64) block(p + i);
  const rest = n - full;
  memory.fill(tail, 0, 128);
  memory.copy(tail, p + full, rest);
  store<u8>(tail + rest, 0x80);
  const last: usize = rest < 56 ? 64 : 128;
  store<u64>(tail + last - 8, bswap<u64>(<u64>n * 8));
  block(tail);
  if (last == 128) block(tail + 64);
  store<u32>(digest, bswap<u32>(h0)); store<u32>(digest + 4, bswap<u32>(h1));
  store<u32>(digest + 8, bswap<u32>(h2)); store<u32>(digest + 12, bswap<u32>(h3));
  store<u32>(digest + 16, bswap<u32>(h4)); store<u32>(digest + 20, bswap<u32>(h5));
  store<u32>(digest + 24, bswap<u32>(h6)); store<u32>(digest + 28, bswap<u32>(h7));
}

function block(p: usize): void {
  for (let t: usize = 0; t < 16; t++) store<u32>(w + t * 4, bswap<u32>(load<u32>(p + t * 4)));
  for (let t: usize = 16; t < 64; t++) {
    const x = load<u32>(w + (t - 15) * 4);
    const y = load<u32>(w + (t - 2) * 4);
    const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
    const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10);
    store<u32>(w + t * 4, load<u32>(w + (t - 16) * 4) + s0 + load<u32>(w + (t - 7) * 4) + s1);
  }
  let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
  for (let t = 0; t < 64; t++) {
    const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) + unchecked(K[t]) + load<u32>(w + <usize>t * 4);
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
}

// ---- the operations ---------------------------------------------------------------

const CATEGORY = "coup-de-main";

/** The refusal for the request's category and modality, or 0. */
function checkOffer(): i64 {
  if (!strIs(vCategory, CATEGORY)) return REFUSE_CATEGORY;
  if (!strIs(vModality, "resident")) return REFUSE_MODALITY;
  return 0;
}

export function campagnon_describe(ptr: usize, len: usize): i64 {
  return DESCRIBE;
}

export function campagnon_categories(ptr: usize, len: usize): i64 {
  scan(ptr, len);
  const refusal = checkContext();
  return refusal != 0 ? refuse(refusal) : CATEGORIES;
}

export function campagnon_payment_modes(ptr: usize, len: usize): i64 {
  scan(ptr, len);
  let refusal = checkContext();
  if (refusal == 0) refusal = checkOffer();
  return refusal != 0 ? refuse(refusal) : PAYMENT_MODES;
}

export function campagnon_quote(ptr: usize, len: usize): i64 {
  scan(ptr, len);
  let refusal = checkContext();
  if (refusal == 0) refusal = checkOffer();
  if (refusal == 0 && !strIs(vMode, "free")) refusal = REFUSE_MODE;
  if (refusal != 0) return refuse(refusal);
  const minutes = intAt(vMinutes);
  const occurrences = intAt(vOccurrences);
  if (minutes < 1 || minutes > 1440 || occurrences < 1 || occurrences > 1000) return refuse(REFUSE_BOUNDS);
  reset();
  const head = <usize>(QUOTE_HEAD & 0xffffffff);
  const tailLen = <usize>(QUOTE_TAIL & 0xffffffff);
  ensure(head + 10 + tailLen);
  memory.copy(out, <usize>(QUOTE_HEAD >>> 32), head);
  outLen = head;
  wInt(minutes * occurrences);
  memory.copy(out + outLen, <usize>(QUOTE_TAIL >>> 32), tailLen);
  outLen += tailLen;
  return done();
}

export function campagnon_validate_listing(ptr: usize, len: usize): i64 {
  scan(ptr, len);
  let refusal = checkContext();
  if (refusal == 0 && vListing == 0) refusal = REFUSE_NO_LISTING;
  if (refusal == 0) refusal = checkOffer();
  if (refusal == 0) {
    if (at(vModes) != 0x5b) refusal = REFUSE_MODE;
    let i = skipWS(vModes + 1);
    while (refusal == 0 && at(i) == 0x22) {
      if (!strIs(i, "free")) refusal = REFUSE_MODE;
      i = skipWS(skipString(i));
      if (at(i) != 0x2c) break;
      i = skipWS(i + 1);
    }
  }
  if (refusal == 0 && !strIs(vPriceKind, "free")) refusal = REFUSE_PRICE;
  return refusal != 0 ? refuse(refusal) : LISTING_OK;
}
