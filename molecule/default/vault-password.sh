#!/bin/sh
# The scenario's vault password: made once per run in molecule's ephemeral directory.
file="${MOLECULE_EPHEMERAL_DIRECTORY:-/tmp}/vault-password"
[ -s "$file" ] || (umask 077 && head -c 24 /dev/urandom | base64 > "$file")
cat "$file"
