#!/bin/sh
# first-run.sh SRC WORK — the program builds the way `make run` builds it on a
# machine where only the build profile of scripts/install-deps is installed:
# the test packages (cmocka here; Node.js and PostgreSQL are not looked for)
# are hidden from pkg-config, and `make build` must configure and build
# renkei in a fresh tree. The mistake it guards against: the program's build
# configuring the tests, so `make run` stops at pkg_check_modules(CMOCKA).
set -eu
src=$1
work=$2
rm -rf "$work"
mkdir -p "$work/pkgconfig"
# every .pc file pkg-config would find, but cmocka's
for d in $(pkg-config --variable pc_path pkg-config | tr : ' ') ${PKG_CONFIG_PATH:+$(echo "$PKG_CONFIG_PATH" | tr : ' ')}; do
  [ -d "$d" ] || continue
  for pc in "$d"/*.pc; do
    [ -e "$pc" ] || continue
    case "$(basename "$pc")" in cmocka.pc) continue ;; esac
    [ -e "$work/pkgconfig/$(basename "$pc")" ] || ln -s "$pc" "$work/pkgconfig/"
  done
done
if PKG_CONFIG_LIBDIR="$work/pkgconfig" pkg-config --exists cmocka; then
  echo "first-run: cmocka is still visible; the check would prove nothing" >&2
  exit 1
fi
env -u PKG_CONFIG_PATH PKG_CONFIG_LIBDIR="$work/pkgconfig" make -s -C "$src" build BUILD="$work/build" JOBS="${JOBS:-2}"
"$work/build/renkei" version
if grep -qi cmocka "$work/build/CMakeCache.txt"; then
  echo "first-run: the program's build looked for cmocka" >&2
  exit 1
fi
rm -rf "$work"
echo "first-run: the program builds without the test packages"
