#!/bin/bash
# Bash completion offers every command of `fieldguardctl --help` and each command's words.
# usage: completion_test.sh COMPLETION_SCRIPT FIELDGUARDCTL
set -eu
script=$1
ctl_dir=$(dirname "$(realpath "$2")")
export PATH="$ctl_dir:$PATH"
# shellcheck disable=SC1090
source "$script"
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _fieldguardctl
    echo "${COMPREPLY[*]}"
}
fail() { echo "FAIL: $*"; exit 1; }
first=$(complete_words fieldguardctl "")
for c in $(fieldguardctl --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
    [[ " $first " == *" $c "* ]] || fail "command $c not offered: $first"
done
[[ " $first " == *" --json "* ]] || fail "--json not offered"
[[ $(complete_words fieldguardctl st) == "status stats" ]] || fail "st -> $(complete_words fieldguardctl st)"
[[ $(complete_words fieldguardctl --json flows t) == "top" ]] || fail "flows t -> $(complete_words fieldguardctl --json flows t)"
[[ " $(complete_words fieldguardctl -s /x audit "") " == *" verify "* ]] || fail "audit words"
[[ " $(complete_words fieldguardctl capture --) " == *" --max-bytes "* ]] || fail "capture options"
echo "PASS: $(echo "$first" | wc -w) words at the first position"
