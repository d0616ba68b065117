package io.tensorbox.scheduler.files;

import io.tensorbox.scheduler.commands.CommandLines;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one script every file operation runs in the sandbox ({@code /bin/sh}, coreutils, findutils;
 * no agent in the image), as the caller's user (see {@link CommandLines#asUser}):
 * {@code sh -c SCRIPT tbx-files ROOT PATH ARGS...}, the script being the verb's alone (on kubernetes it travels
 * in the exec URL: the shorter the better). {@code ROOT} is the directory a sandbox
 * without isolation is confined to (empty: none); paths are resolved with {@code realpath -m}
 * (symlinks included) and checked against it before anything is touched.
 * <p>
 * Every verb prints one header line first: {@code err <code> <reason>} (a refusal, then exit 0) or
 * {@code ok ...}; what follows depends on the verb. Entries are {@link #ENTRY_FIELDS} NUL-terminated
 * fields of {@code find -printf}: type, size, mode, permissions, owner, group, mtime, link target,
 * path relative to the starting point. Paths never travel in a header line (they may hold newlines).
 */
public final class FileScripts {

    static final int ENTRY_FIELDS = 9;
    /** find's format of one entry; find itself reads the escapes. */
    static final String ENTRY_FORMAT = "%y\\0%s\\0%m\\0%M\\0%u\\0%g\\0%T@\\0%l\\0%P\\0";
    /** One watch record: type, inode, size, mtime, relative path. */
    static final int WATCH_FIELDS = 5;

    /** What every verb starts with: its arguments, refusals, path resolution and confinement. */
    static final String PRELUDE = """
            R=$1 p=$2;shift 2
            fail(){ printf 'err %s %s\\n' "$1" "$2";exit 0;}
            rp(){ x=$(realpath -m -- "$1" 2>/dev/null&&echo .)||fail invalid_request unresolvable;x=${x%.};x=${x%?};}
            [ -z "$R" ]||{ rp "$R";R=$x;}
            inroot(){ [ -z "$R" ]&&return 0;case $1 in "$R"|"$R"/*)return 0;;esac;fail permission_denied outside;}
            there(){ [ -e "$1" ]||[ -L "$1" ];}
            missing(){ q=${1%/*};q=${q:-/};[ -d "$q" ]&&[ ! -x "$q" ]&&fail permission_denied not_searchable;fail file_not_found missing;}
            """;
    /** {@code r}: the path with every symlink resolved. */
    private static final String FULL = """
            rp "$p";r=$x;inroot "$r"
            """;
    /** {@code r}: the path with its parent resolved and its last component kept (a symlink is itself). */
    private static final String NOFOLLOW = """
            nofollow(){ case $p in /)r=/;;*)rp "${p%/*}/";r=${x%/}/${p##*/};;esac;inroot "$r";}
            """;
    private static final String NOTROOT = """
            notroot(){ [ "$1" = / ]&&fail invalid_request root;[ -n "$R" ]&&[ "$1" = "$R" ]&&fail invalid_request root;:;}
            """;
    private static final String MKP = """
            mkp(){ mkdir -p -- "$1" 2>/dev/null&&return 0;a=$1;while ! there "$a";do a=${a%/*};a=${a:-/};done;[ -d "$a" ]||fail not_a_directory parent;fail permission_denied cannot_create;}
            """;
    private static final String DIR = FULL + """
            there "$r"||missing "$r";[ -d "$r" ]||fail not_a_directory file;[ -r "$r" ]&&[ -x "$r" ]||fail permission_denied unreadable
            """;
    private static final String ENTRY = "exec find \"$r\" -maxdepth 0 -printf '" + ENTRY_FORMAT + "'\n";

    static final Map<String, String> VERBS = Map.of(
            "read", FULL + """
                    there "$r"||missing "$r";[ -e "$r" ]||fail file_not_found dangling
                    [ -d "$r" ]&&fail not_a_file directory;[ -f "$r" ]||fail not_a_file special;[ -r "$r" ]||fail permission_denied unreadable
                    s=$(stat -L -c %s -- "$r" 2>/dev/null)||fail permission_denied unreadable
                    echo "ok $s";exec cat -- "$r"
                    """,
            "write", MKP + FULL + """
                    [ -d "$r" ]&&fail not_a_file directory;q=${r%/*};q=${q:-/};mkp "$q"
                    t=$q/.tbx-upload.$$;rm -f -- "$t" 2>/dev/null;(set -C;: >"$t") 2>/dev/null||fail permission_denied cannot_write
                    [ -f "$r" ]&&chmod --reference="$r" -- "$t" 2>/dev/null
                    echo ready;n=
                    while read -r n;do case $n in 0|''|*[!0-9]*)break;;esac;head -c "$n" >>"$t"||{ rm -f -- "$t";fail io_error write;};done
                    [ "$n" = 0 ]||{ rm -f -- "$t";exit 3;}
                    mv -fT -- "$t" "$r" 2>/dev/null||{ rm -f -- "$t";fail permission_denied cannot_replace;}
                    s=$(stat -c %s -- "$r")||fail io_error stat;echo "ok $s"
                    """,
            "remove", NOFOLLOW + NOTROOT + """
                    nofollow;notroot "$r";there "$r"||missing "$r"
                    rm -rf -- "$r" 2>/dev/null;there "$r"&&fail permission_denied cannot_remove;echo ok
                    """,
            "stat", NOFOLLOW + """
                    nofollow;there "$r"||missing "$r";echo ok
                    """ + ENTRY,
            "list", DIR + "echo ok;find \"$r\" -mindepth 1 -maxdepth \"$1\" -printf '" + ENTRY_FORMAT
                    + "' 2>/dev/null|head -z -n \"$2\";exit 0\n",
            "mkdir", MKP + FULL + """
                    if [ -d "$r" ];then echo ok exists;elif there "$r";then fail already_exists other;else mkp "$r";echo ok created;fi
                    """ + ENTRY,
            "move", NOFOLLOW + NOTROOT + MKP + """
                    nofollow;f=$r;notroot "$f";p=$1;nofollow;there "$f"||missing "$f";q=${r%/*};mkp "${q:-/}"
                    if ! mv -fT -- "$f" "$r" 2>/dev/null;then [ -d "$r" ]&&[ ! -L "$r" ]&&fail already_exists not_empty;fail permission_denied cannot_move;fi
                    echo ok
                    """ + ENTRY,
            "watch", DIR + """
                    echo ok;o=
                    while :;do c=$(find "$r" -mindepth 1 -maxdepth "$3" -printf '%y %i %s %T@ %P\\0' 2>/dev/null|head -z -n "$2"|cksum)
                    [ "$c" = "$o" ]||{ printf 'S\\0';find "$r" -mindepth 1 -maxdepth "$3" -printf '%y\\0%i\\0%s\\0%T@\\0%P\\0' 2>/dev/null|head -z -n "$((5*$2))";printf 'E\\0';o=$c;}
                    sleep "$1";done
                    """);

    private FileScripts() {
    }

    /** The argv of {@code verb} on {@code path} as {@code user}; {@code root} the confinement (null: none). */
    public static List<String> argv(String user, boolean switchesUsers, String root, String verb, String path, String... args) {
        String body = VERBS.get(verb);
        if (body == null) {
            throw new IllegalArgumentException("no file verb " + verb);
        }
        List<String> all = new ArrayList<>(args.length + 3);
        all.add(verb);
        all.add(root == null ? "" : root);
        all.add(path);
        all.addAll(List.of(args));
        return CommandLines.asUser(user, switchesUsers, PRELUDE + body, "tbx-files-" + verb, all.subList(1, all.size()));
    }
}
