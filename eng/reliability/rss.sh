#!/usr/bin/env bash
# Peak memory (max RSS) of the CLI enrolling large images, as in docs/RELIABILITY.md. Run from the repository root after
# `dotnet build -c Release src/OneShot.Cli`. Writes into /tmp/oneshot-rss (about 2 MB of PNGs).
set -euo pipefail
out=/tmp/oneshot-rss; mkdir -p "$out/big"
[ -f "$out/big/huge0.png" ] || python3 eng/reliability/make_big_png.py "$out/big/huge0.png" 8192
for i in 1 2 3 4 5 6 7; do cp -n "$out/big/huge0.png" "$out/big/huge$i.png"; done
cli=src/OneShot.Cli/bin/Release/net10.0/OneShot.Cli.dll; model=models/omniglot-conv4
rss() { rm -f "$out/g.gallery"; /usr/bin/time -f "%M KB max RSS, %e s" dotnet "$cli" enroll "$out/g.gallery" "$@" --label x --model "$model" 2>&1 >/dev/null | tail -1; }
echo "1 image:                          $(rss "$out/big/huge0.png")"
echo "1 image, --max-pixels 16777216:   $(rss "$out/big/huge0.png" --max-pixels 16777216)"
echo "8 images:                         $(rss "$out/big")"
echo "8 images, --max-batch-bytes 256M: $(rss "$out/big" --max-batch-bytes 268435456)"
