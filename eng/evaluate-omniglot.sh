#!/usr/bin/env bash
# Evaluates a model on the Vinyals test split of Omniglot with the four standard protocols
# (5/20-way, 1/5-shot, 15 queries per class, 1,000 episodes, seed 1), one JSON line each.
# usage: eng/evaluate-omniglot.sh MODELDIR [OMNIGLOTDIR]
set -euo pipefail
model=${1:?usage: eng/evaluate-omniglot.sh MODELDIR [OMNIGLOTDIR]}
omniglot=${2:-../shared/data/omniglot}
cd "$(dirname "$0")/.."
dotnet build src/OneShot.Cli -c Release -v quiet -nologo >/dev/null
for way in 5 20; do
  for shot in 1 5; do
    dotnet run --project src/OneShot.Cli -c Release --no-build -- evaluate --model "$model" --omniglot "$omniglot" \
      --split test --way "$way" --shot "$shot" --query 15 --episodes 1000 --seed 1 --json
  done
done
