#!/usr/bin/env bash
# The main job in one command: install what EdgeVL needs, build, compile the bundled default model and ask it about a
# sample image shipped in the repo.
#   scripts/demo.sh [PROMPT]           extra qwen2vl-demo flags via EDGEVL_DEMO_FLAGS, e.g. "--interactive"
# The default model is models/demo/qwen2vl-shapes (a tiny Qwen2-VL trained on synthetic shape scenes). If it is not in
# the checkout, a random tiny Qwen2-VL is generated instead (its answers are gibberish, but every stage runs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
PROMPT=${1:-"Describe the image."}

bash scripts/install-deps.sh

echo "== building qwen2vl-demo and qwen2vl-compile"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$JOBS" --target qwen2vl-demo qwen2vl-compile

MODEL_ARGS=()
if [ ! -f models/demo/qwen2vl-shapes/config.json ] && [ -z "${EDGEVL_DEFAULT_MODEL:-}" ]; then
  RANDOM_MODEL="$ROOT/build/demo/random-tiny-qwen2vl"
  if [ ! -f "$RANDOM_MODEL/config.json" ]; then
    echo "== models/demo/qwen2vl-shapes is missing: generating a random tiny Qwen2-VL in $RANDOM_MODEL"
    /usr/bin/python3 models/tools/make_random_checkpoint.py "$RANDOM_MODEL" --preset tiny --max-pixels 200704 >/dev/null
  fi
  MODEL_ARGS=(--model "$RANDOM_MODEL")
fi

IMAGE=models/demo/samples/scene0.jpg
if [ ! -f "$IMAGE" ]; then
  IMAGE="$ROOT/build/demo/sample.png"
  mkdir -p "$(dirname "$IMAGE")"
  /usr/bin/python3 - "$IMAGE" <<'PY'
import sys
from PIL import Image, ImageDraw
im = Image.new("RGB", (224, 224), "white")
d = ImageDraw.Draw(im)
d.ellipse((20, 30, 100, 110), fill="red")
d.rectangle((120, 120, 200, 190), fill="blue")
im.save(sys.argv[1])
PY
fi

echo "== qwen2vl-demo --image $IMAGE --prompt \"$PROMPT\""
# shellcheck disable=SC2086
exec build/apps/qwen2vl-demo/qwen2vl-demo "${MODEL_ARGS[@]}" --image "$IMAGE" --prompt "$PROMPT" --stats ${EDGEVL_DEMO_FLAGS:-}
