# bash completion for fieldguardctl. Commands are read from `fieldguardctl --help` and the
# words after a command from the command table (`fieldguardctl __words CMD`), so a new
# command needs no change here.
_fieldguardctl() {
    local cur prev cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        -s|--socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -s|--socket) ((i++)) ;;
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        local cmds
        cmds=$(fieldguardctl --help 2>/dev/null | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
        COMPREPLY=($(compgen -W "$cmds --json --socket --help" -- "$cur"))
        return
    fi
    local words
    words=$(fieldguardctl __words "$cmd" 2>/dev/null)
    COMPREPLY=($(compgen -W "$words --json" -- "$cur"))
    # Words that take a file (verify's files, --key) complete file names too.
    if [[ $cmd == audit ]] || [[ $prev == --key ]]; then
        COMPREPLY+=($(compgen -f -- "$cur"))
    fi
}
complete -F _fieldguardctl fieldguardctl
