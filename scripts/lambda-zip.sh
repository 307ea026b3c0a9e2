#!/usr/bin/env bash
# Packages build/flowdex as an AWS Lambda custom runtime (provided.al2023):
#   bootstrap       starts flowdex lambda with the bundled C library and loader
#   bin/flowdex     the binary, debug info stripped
#   lib/            every shared library it needs, glibc and ld-linux included,
#                   so it runs on Amazon Linux 2023 whatever glibc the build had
#   lib/ca-certificates.crt   CA bundle, used when the system's is missing
# Usage: scripts/lambda-zip.sh BUILD_DIR  ->  BUILD_DIR/flowdex-lambda.zip
set -euo pipefail
build="${1:-build}"
binary="$build/flowdex"
stage="$build/lambda"
zip="$(cd "$build" && pwd)/flowdex-lambda.zip"
[[ -x "$binary" ]] || { echo "lambda-zip: $binary is not built" >&2; exit 1; }

rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib"
objcopy --strip-debug "$binary" "$stage/bin/flowdex"
# Every library ldd resolves, copied as the real file under its soname.
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3} $1 ~ /^\// {print $1, $1}' | while read -r name path; do
  cp -L "$path" "$stage/lib/$(basename "$name")"
done
loader="$(ls "$stage"/lib/ld-linux-*.so.* | head -n1)"
[[ -n "$loader" ]] || { echo "lambda-zip: no dynamic loader found by ldd" >&2; exit 1; }
cp -L /etc/ssl/certs/ca-certificates.crt "$stage/lib/ca-certificates.crt"
cat > "$stage/bootstrap" <<BOOT
#!/bin/sh
# AWS Lambda custom runtime entry point: flowdex lambda, with the C library and
# loader it was built against (bundled in lib/), not the host's.
here="\$(cd "\$(dirname "\$0")" && pwd)"
if [ -z "\${SSL_CERT_FILE:-}" ]; then
  for f in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt "\$here/lib/ca-certificates.crt"; do
    if [ -r "\$f" ]; then export SSL_CERT_FILE="\$f"; break; fi
  done
fi
exec "\$here/lib/$(basename "$loader")" --library-path "\$here/lib" "\$here/bin/flowdex" lambda "\$@"
BOOT
chmod 755 "$stage/bootstrap" "$stage/bin/flowdex"
rm -f "$zip"
# Python's zipfile keeps the files' modes (bootstrap must stay executable).
(cd "$stage" && python3 - "$zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk("."):
        for f in sorted(files):
            z.write(os.path.join(root, f), os.path.relpath(os.path.join(root, f), "."))
PY
)
echo "lambda-zip: $zip ($(du -h "$zip" | cut -f1)); runtime provided.al2023, handler unused, entry point bootstrap"
