#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# install-files.sh [--dirs] PREFIX LIBDIR KVER: prints the absolute paths of
# the files `make install` writes (tests/install/files.list), or with
# --dirs the project's own folders, deepest first.  LIBDIR may be relative
# to PREFIX, as meson takes it.
set -eu
want=files
if [ "${1:-}" = --dirs ]; then
	want=dirs
	shift
fi
if [ $# -ne 3 ]; then
	echo "usage: install-files.sh [--dirs] PREFIX LIBDIR KVER" >&2
	exit 2
fi
prefix=$1 libdir=$2 kver=$3
case "$libdir" in
/*) ;;
*) libdir=$prefix/$libdir ;;
esac
list=$(dirname "$0")/../tests/install/files.list
sed -e '/^#/d' -e '/^$/d' -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$libdir|g" \
	-e "s|@KVER@|$kver|g" "$list" |
	if [ $want = dirs ]; then
		sed -n 's|/$||p' | awk '{ print length($0) " " $0 }' | sort -rn |
			cut -d' ' -f2-
	else
		grep -v '/$'
	fi
