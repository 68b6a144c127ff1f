#!/usr/bin/env bash
# `make install DESTDIR=… PREFIX=/usr` lays out a working system under
# DESTDIR and nothing outside it: the two binaries run, the unit points at
# the installed daemon, the config in /etc passes --check, the docs are in
# /usr/share/doc/tandem, and a second install keeps an edited /etc config.
. "$(dirname "$0")/lib.sh"

D=$T/root
# The build tree as make knows it (relative, so its dependency files apply).
MAKE_BUILD=${BUILD#"$ROOT"/}
# A make started from `make test` must not inherit the outer jobserver.
run_make() { (cd "$ROOT" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$MAKE_BUILD" "$@"); }

# Nothing outside DESTDIR: every absolute path the recipe names is under it.
outside=$(run_make -n install DESTDIR="$D" PREFIX=/usr 2>&1 | tr ' \t;' '\n\n\n' | tr -d "'\"" |
  grep '^/' | grep -v "^$D/" | sort -u)
check "make -n install: every absolute path is under DESTDIR${outside:+ (outside: $(echo $outside))}" \
  test -z "$outside"

if ! run_make install DESTDIR="$D" PREFIX=/usr >"$T/install1.log" 2>&1; then
  bail "make install DESTDIR=\$T/root PREFIX=/usr" "$(tail -20 "$T/install1.log")"
fi
ok "make install DESTDIR=\$T/root PREFIX=/usr"

# --- binaries ------------------------------------------------------------------

check "tandemd is installed at /usr/sbin/tandemd, mode 755" test "$(stat -c %a "$D/usr/sbin/tandemd" 2>&1)" = 755
check "tandemctl is installed at /usr/bin/tandemctl, mode 755" test "$(stat -c %a "$D/usr/bin/tandemctl" 2>&1)" = 755
# version_ok BINARY NAME: `BINARY --version` exits 0 and prints "NAME X.Y…".
version_ok() {
  local out rc
  out=$("$1" --version 2>&1)
  rc=$?
  [ "$rc" = 0 ] && printf '%s\n' "$out" | grep -qE "^$2 [0-9]+\.[0-9]+" && return 0
  echo "exit $rc: $out"
  return 1
}
check "installed tandemd --version runs" version_ok "$D/usr/sbin/tandemd" tandemd
check "installed tandemctl --version runs" version_ok "$D/usr/bin/tandemctl" tandemctl
check "installed tandemctl --help runs" "$D/usr/bin/tandemctl" --help
check "installed tandemctl reports a missing daemon with exit 3" eval \
  "'$D/usr/bin/tandemctl' -s '$T/nobody.sock' status >/dev/null 2>&1; [ \$? = 3 ]"

# --- the unit --------------------------------------------------------------------

UNIT=$D/usr/lib/systemd/system/tandem.service
check "the unit is installed at /usr/lib/systemd/system/tandem.service, mode 644" test "$(stat -c %a "$UNIT" 2>&1)" = 644
check "the unit has no @PLACEHOLDER@ left" eval "! grep -nE '@[A-Z_]+@' '$UNIT'"
check "the unit: ExecStart=/usr/sbin/tandemd -c /etc/tandem/tandem.ini" \
  grep -qx 'ExecStart=/usr/sbin/tandemd -c /etc/tandem/tandem.ini' "$UNIT"
check "the unit: ExecStartPre checks the config with /usr/sbin/tandemd" \
  grep -qx 'ExecStartPre=/usr/sbin/tandemd -c /etc/tandem/tandem.ini --check' "$UNIT"
# Every file:// documentation link points at a file this install put there.
missing=""
for url in $(sed -n 's/^Documentation=//p' "$UNIT"); do
  case $url in
    file://*) [ -e "$D${url#file://}" ] || missing="$missing $url" ;;
  esac
done
check "the unit's Documentation= file links exist in the install${missing:+ (missing:$missing)}" test -z "$missing"

# --- the config ------------------------------------------------------------------

CONF=$D/etc/tandem/tandem.ini
check "/etc/tandem/tandem.ini is installed, mode 640" test "$(stat -c %a "$CONF" 2>&1)" = 640
check "/etc/tandem/tandem.ini is the single-node example" cmp -s "$CONF" "$ROOT/conf/examples/single-node.ini"
check "installed tandemd --check accepts /etc/tandem/tandem.ini" "$D/usr/sbin/tandemd" -c "$CONF" --check
# --check reads the file only (ExecStartPre runs it next to a live daemon):
# with its status_socket moved into $T, no socket appears there.
sed "s|^status_socket *=.*|status_socket = $T/check.sock|" "$CONF" >"$T/check.ini"
check "--check with status_socket in \$T: valid" "$D/usr/sbin/tandemd" -c "$T/check.ini" --check
check "--check does not create the status socket" test ! -e "$T/check.sock"
for ex in "$ROOT"/conf/examples/*.ini; do
  check "example $(basename "$ex") passes --check" "$D/usr/sbin/tandemd" -c "$ex" --check
done

# --- docs ------------------------------------------------------------------------

DOC=$D/usr/share/doc/tandem
for f in README.md $(cd "$ROOT" && ls docs/*.md) conf/examples/single-node.ini; do
  name=$(basename "$f")
  found=$(find "$DOC" -name "$name" -type f 2>/dev/null | head -1)
  check "docs: $name is under /usr/share/doc/tandem/" eval "[ -n '$found' ] && cmp -s '$found' '$ROOT/$f'"
done

# --- a second install --------------------------------------------------------------

echo "; edited by the operator" >>"$CONF"
sed -i 's/^log_level = info/log_level = debug/' "$CONF"
cp "$CONF" "$T/edited.ini"
chmod 600 "$CONF"
if ! run_make install DESTDIR="$D" PREFIX=/usr >"$T/install2.log" 2>&1; then
  not_ok "a second make install succeeds" "$(tail -20 "$T/install2.log")"
else
  ok "a second make install succeeds"
fi
check "a second make install keeps the edited /etc/tandem/tandem.ini" cmp -s "$CONF" "$T/edited.ini"
check "a second make install keeps its mode (600)" test "$(stat -c %a "$CONF")" = 600
check "after a second install the unit still has ExecStart=/usr/sbin/tandemd" \
  grep -qx 'ExecStart=/usr/sbin/tandemd -c /etc/tandem/tandem.ini' "$UNIT"

# A default PREFIX install lands in /usr/local, the config still in /etc.
D2=$T/root2
if run_make install DESTDIR="$D2" >"$T/install3.log" 2>&1; then
  check "PREFIX default: tandemd in /usr/local/sbin" test -x "$D2/usr/local/sbin/tandemd"
  check "PREFIX default: ExecStart=/usr/local/sbin/tandemd" \
    grep -qx 'ExecStart=/usr/local/sbin/tandemd -c /etc/tandem/tandem.ini' "$D2/usr/local/lib/systemd/system/tandem.service"
  check "PREFIX default: the config in /etc/tandem" test -e "$D2/etc/tandem/tandem.ini"
else
  not_ok "make install DESTDIR=\$T/root2 (default PREFIX)" "$(tail -20 "$T/install3.log")"
fi

finish
