// Checks ossvk's tokenizer against OpenAI's tiktoken on o200k's real vocabulary, and times both.
// tiktoken (npm `tiktoken`: its Rust core built to WebAssembly) ships o200k_base's ranks; this
// script converts them to a tokenizer-only GGUF as llama.cpp's converter does (each token's merge
// is the split BPE reaches with the ranks below its own), encodes TEXT with tiktoken, and writes
// the ids for ossvk to match:
//
//   cd "$(mktemp -d)" && npm install tiktoken@1.0.22 &&
//   node /path/to/ossvk/scripts/tiktoken_compare.mjs node_modules/tiktoken TEXT OUT_DIR
//   ossvk tokenize --model OUT_DIR/o200k_base.gguf --file TEXT --no-special > OUT_DIR/ossvk.ids
//   cmp OUT_DIR/tiktoken.ids OUT_DIR/ossvk.ids
//   ossvk-bench --filter o200k_encode --tokenizer OUT_DIR/o200k_base.gguf --text TEXT
//
// o200k_harmony is o200k_base plus special tokens past its last rank, so ordinary text gets the
// same ids from both.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [pkg, textFile, outDir] = process.argv.slice(2);
if (!pkg || !textFile || !outDir) {
  console.error('usage: node tiktoken_compare.mjs PATH_TO/tiktoken TEXT OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const require = createRequire(import.meta.url);
const { Tiktoken } = require(path.resolve(pkg, 'tiktoken.cjs'));
const o200k = JSON.parse(readFileSync(path.join(pkg, 'encoders', 'o200k_base.json'), 'utf8'));

// bpe_ranks: "! FIRST_RANK b64 b64 ..." lines, ranks consecutive from FIRST_RANK.
const tokens = [];
for (const line of o200k.bpe_ranks.split('\n')) {
  if (!line) continue;
  const [, first, ...b64] = line.split(' ');
  b64.forEach((t, i) => (tokens[Number(first) + i] = Buffer.from(t, 'base64')));
}
const rank = new Map(tokens.map((t, i) => [t.toString('latin1'), i]));

// GPT-2's byte-level characters: printable bytes stand for themselves, the rest from U+0100 on.
const byteChar = [];
for (let b = 0, next = 256; b < 256; ++b) {
  const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  byteChar[b] = String.fromCodePoint(printable ? b : next++);
}
const chars = (bytes) => Array.from(bytes, (b) => byteChar[b]).join('');

// The two parts BPE with ranks below `max` leaves of `token`.
function split(token, max) {
  let parts = Array.from(token, (b) => Buffer.from([b]));
  for (;;) {
    let best = -1, bestRank = max;
    for (let i = 0; i + 1 < parts.length; ++i) {
      const r = rank.get(Buffer.concat([parts[i], parts[i + 1]]).toString('latin1'));
      if (r !== undefined && r < bestRank) (best = i), (bestRank = r);
    }
    if (best < 0) return parts;
    parts = [...parts.slice(0, best), Buffer.concat([parts[best], parts[best + 1]]), ...parts.slice(best + 2)];
  }
}
const merges = [];
tokens.forEach((t, r) => {
  if (t.length < 2) return;
  const parts = split(t, r);
  if (parts.length !== 2) throw new Error(`rank ${r} does not split in two`);
  merges.push(chars(parts[0]) + ' ' + chars(parts[1]));
});

// A GGUF v3 with the tokenizer keys and no tensors.
const chunks = [];
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); chunks.push(b); };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); chunks.push(b); };
const str = (s) => { const b = Buffer.from(s, 'utf8'); u64(b.length); chunks.push(b); };
const keys = [
  ['general.name', 8, 'o200k_base (tiktoken)'],
  ['tokenizer.ggml.model', 8, 'gpt2'],
  ['tokenizer.ggml.pre', 8, 'gpt-4o'],
  ['tokenizer.ggml.tokens', 9, tokens.map(chars)],
  ['tokenizer.ggml.merges', 9, merges],
];
chunks.push(Buffer.from('GGUF'));
u32(3);
u64(0);
u64(keys.length);
for (const [key, type, value] of keys) {
  str(key);
  u32(type);
  if (type === 8) str(value);
  else {
    u32(8);
    u64(value.length);
    value.forEach(str);
  }
}
writeFileSync(path.join(outDir, 'o200k_base.gguf'), Buffer.concat(chunks));

const text = readFileSync(textFile, 'utf8');
const enc = new Tiktoken(o200k.bpe_ranks, o200k.special_tokens, o200k.pat_str);
enc.encode_ordinary(text.slice(0, 10000));  // warm-up
const times = [];
let ids;
for (let run = 0; run < 5; ++run) {
  const t0 = process.hrtime.bigint();
  ids = enc.encode_ordinary(text);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
const ms = times[2];
writeFileSync(path.join(outDir, 'tiktoken.ids'), Array.from(ids).join(',') + '\n');
console.log(JSON.stringify({
  reference: 'tiktoken (npm, WebAssembly) o200k_base encode_ordinary',
  text_bytes: Buffer.byteLength(text), tokens: ids.length, median_ms: ms,
  tokens_per_s: ids.length / (ms / 1000), mb_per_s: Buffer.byteLength(text) / 1e6 / (ms / 1000),
}));
