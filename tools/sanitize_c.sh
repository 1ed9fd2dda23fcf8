#!/usr/bin/env bash
# Run the tests of the optional C loops (stance/features/_kernels.c, stance/text/_language.c) against
# builds of them with AddressSanitizer and UndefinedBehaviorSanitizer, in a temporary copy of the checkout.
#
#   bash tools/sanitize_c.sh            # needs gcc with libasan/libubsan and the Python headers
#
# Any out-of-bounds access, use after free or undefined behaviour stops the run with a report. Set
# STANCE_DATA_ROOT to include the tests on real paragraphs; STANCE_FUZZ_EXAMPLES raises the fuzz tests' examples.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$work")
py="$(python -c 'import sys; print(sys.executable)')"
flags=(-shared -fPIC -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer $("$py"-config --includes 2>/dev/null || python3-config --includes))
suffix="$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
gcc "${flags[@]}" "$work/stance/features/_kernels.c" -o "$work/stance/features/_kernels$suffix"
gcc "${flags[@]}" "$work/stance/text/_language.c" -o "$work/stance/text/_language$suffix"
cd "$work"
export PYTHONPATH="$work" LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
    ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 PYTHONMALLOC=malloc
# the sanitized builds are the ones imported
"$py" -c "import sys, stance.features._kernels as k, stance.text._language as l
sys.exit(0 if k.__file__.startswith('$work') and l.__file__.startswith('$work') else 'not the sanitized builds')"
"$py" -m pytest -q -p no:cacheprovider tests/test_features.py tests/test_language.py tests/test_inference.py \
    -k "kernel or c_counts or arbitrary or real or languages or threads"
