#!/usr/bin/env bash
# Evaluates a model on Omniglot with every protocol the CLI knows, one JSON line each (accuracy, ci95, ece, and
# for the open-set line auroc, falseAcceptRate, falseRejectRate):
#   - a model trained on the Vinyals split (train/trainval): the four standard protocols on the Vinyals test split
#     (5/20-way, 1/5-shot, 15 queries per class, 1,000 episodes, seed 1), then 20-way 1-shot open set (5 unknown
#     classes per episode) at the threshold fitted for 5% false accepts when the model's calibration.json has one;
#   - a model trained on the background set: Lake et al.'s within-alphabet task on the evaluation set
#     (20-way 1-shot, support and query by different drawers, 1,000 episodes of 1 query per class, seed 1),
#     then the same 20-way 1-shot with 5 queries per class, then Lake et al.'s 20 published runs of that task
#     (400 trials, the episodes of the human 95.5 % and BPL 96.7 % figures).
# usage: eng/evaluate-omniglot.sh MODELDIR [OMNIGLOTDIR [EVALUATE OPTIONS...]]
#   e.g. eng/evaluate-omniglot.sh models/omniglot-conv4 ../shared/data/omniglot --tta shifts8   (test-time augmentation;
#   the open-set line then needs a threshold calibrated with the same --tta)
# Fit the temperature and threshold first (written to MODELDIR/calibration.json, used by default), e.g.:
#   oneshot calibrate --model MODELDIR --omniglot OMNIGLOTDIR --split val --way 20 --shot 1 --episodes 300 --target-far 0.05
set -euo pipefail
model=${1:?usage: eng/evaluate-omniglot.sh MODELDIR [OMNIGLOTDIR]}
omniglot=${2:-../shared/data/omniglot}
extra=("${@:3}")
cd "$(dirname "$0")/.."
dotnet build src/OneShot.Cli -c Release -v quiet -nologo >/dev/null
oneshot() { dotnet run --project src/OneShot.Cli -c Release --no-build -- "$@"; }
split=$(sed -n 's/.*"split": *"\([a-z]*\)".*/\1/p' "$model/model.json" | head -1)
if [ "$split" = "background" ]; then
  for query in 1 5; do
    oneshot evaluate --model "$model" --omniglot "$omniglot" --split evaluation --within-alphabet \
      --way 20 --shot 1 --query "$query" --episodes 1000 --seed 1 --json "${extra[@]}"
  done
  oneshot evaluate --model "$model" --omniglot "$omniglot" --split evaluation --lake-runs --json "${extra[@]}"
  exit 0
fi
for way in 5 20; do
  for shot in 1 5; do
    oneshot evaluate --model "$model" --omniglot "$omniglot" \
      --split test --way "$way" --shot "$shot" --query 15 --episodes 1000 --seed 1 --json "${extra[@]}"
  done
done
far=()
if grep -q '"targetFalseAcceptRate": 0.05' "$model/calibration.json" 2>/dev/null; then far=(--unknown-far 0.05); fi
oneshot evaluate --model "$model" --omniglot "$omniglot" --split test --way 20 --shot 1 --query 15 \
  --episodes 1000 --seed 1 --unknown-way 5 "${far[@]}" --json "${extra[@]}"
