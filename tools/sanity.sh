#!/usr/bin/env bash
# ansible-test sanity on exactly what the Galaxy tarball ships (galaxy.yml build_ignore
# applies), installed at the ansible_collections/<namespace>/<name> path ansible-test needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

# ansible-test bootstraps pip in its venvs with a script it downloads; seed its cache offline.
pip_version=$(grep -oP "pip='\K[0-9.]+" .venv/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | head -1)
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
cp tools/get_pip_standin.py "$cache"

rm -rf build/dist build/sanity
"$bin/ansible-galaxy" collection build --force --output-path build/dist >/dev/null
"$bin/ansible-galaxy" collection install --force --no-deps -p build/sanity build/dist/bookingsone-office365-*.tar.gz >/dev/null
cd build/sanity/ansible_collections/bookingsone/office365
# ansible-test asks git which files belong to the collection; a fresh repository answers "all of them".
git init -q . && git add -A && git -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity
PATH="$OLDPWD/$bin:$PATH" ansible-test sanity --venv --python 3.11 --color no "$@"
