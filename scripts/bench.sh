#!/usr/bin/env bash
# The performance suite (issue #8): builds Release and runs `loyalty bench` with the given arguments.
# Usage: scripts/bench.sh [--quick] [--out FILE] [--data-root DIR] [--work-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build -c Release src/LoyaltyActors.Host -v q -nologo >/dev/null
exec dotnet src/LoyaltyActors.Host/bin/Release/net10.0/loyalty.dll bench "$@"
