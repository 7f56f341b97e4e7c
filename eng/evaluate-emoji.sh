#!/usr/bin/env bash
# Evaluates a model on the emoji set's two-artist task (support = Google's drawing, query = Twitter's drawing of the
# same emoji; nearest prototype by cosine distance; seed 1), one JSON line each (accuracy, ci95):
#   issue 11's four protocols on the test split: 5-way and 20-way 1-shot (1,000 episodes), 20-way 1-shot within one
#   subcategory (--within-group), and rank-1 among all 429 test emoji (--way 429, one episode);
#   then the queries redrawn in styles no artist of the set uses (grayscale Twitter, outline Twitter, and Google's own
#   drawing as an outline and as pixel art), 20-way 1-shot, to check it generalises beyond the Google -> Twitter shift.
# usage: eng/evaluate-emoji.sh MODEL [EMOJIDIR]   (MODEL: a model or projection folder, or imagenet-resnet18)
set -euo pipefail
model=${1:?usage: eng/evaluate-emoji.sh MODEL [EMOJIDIR]}
emoji=${2:-../shared/data/emoji}
cd "$(dirname "$0")/.."
dotnet build src/OneShot.Cli -c Release -v quiet -nologo >/dev/null
oneshot() { dotnet run --project src/OneShot.Cli -c Release --no-build -- "$@"; }
common=(--model "$model" --emoji "$emoji" --split test --shot 1 --query 1 --seed 1 --classifier prototype --metric cosine --json)
oneshot evaluate "${common[@]}" --way 5 --episodes 1000
oneshot evaluate "${common[@]}" --way 20 --episodes 1000
oneshot evaluate "${common[@]}" --way 20 --episodes 1000 --within-group
oneshot evaluate "${common[@]}" --way 429 --episodes 1
for style in grayscale outline; do
  oneshot evaluate "${common[@]}" --way 20 --episodes 1000 --query-style "$style"
done
for style in outline pixel; do
  oneshot evaluate "${common[@]}" --way 20 --episodes 1000 --query-style "$style" --same-drawing
done
